"""The operator's page (programme staff): queue depth, periodic jobs, failed and unsent notices
with a re-send button, and stuck work (portal.operations reads the figures)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from accounts.models import User
from common.errors import DomainError
from common.formats import moment
from common.pages import post_only
from notices.models import Notice
from notices.services import notices_resend
from portal.operations import NOTICE_OVERDUE_AFTER, REINSTATEMENT_OVERDUE_AFTER, operations_overview
from relicensing.services.imports.jobs import STALE_AFTER as IMPORT_STALE_AFTER
from relicensing.views.access import staff_page
from relicensing.views.confirm import confirm_page


@staff_page
def operations(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/operations.html",
        {
            "ops": operations_overview(),
            "notice_overdue_minutes": int(NOTICE_OVERDUE_AFTER.total_seconds() // 60),
            "reinstatement_overdue_minutes": int(REINSTATEMENT_OVERDUE_AFTER.total_seconds() // 60),
            "import_stale_minutes": int(IMPORT_STALE_AFTER.total_seconds() // 60),
        },
    )


@staff_page
@post_only("operations", anchor="#failed-notices")
def notice_resend(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    notice = get_object_or_404(Notice.objects.select_related("recipient"), pk=pk)
    back = reverse("operations") + "#failed-notices"
    recipient = notice.recipient.display_name if notice.recipient else notice.to_email
    if not request.POST.get("confirmed"):
        return confirm_page(
            request,
            title=f"Send this notice to {recipient} again?",
            consequence="It goes back to the outbox with a fresh count of attempts and the worker sends it "
            "within a minute. Mend what made it fail first (the address, the mail server), or it fails again.",
            action="Send again",
            action_class="btn-primary",
            cancel_url=back,
            details=[
                ("Recipient", f"{recipient} <{notice.to_email}>" if notice.recipient else notice.to_email),
                ("Notice", notice.get_event_display()),
                ("Failed", moment(notice.failed_at)),
                ("Why", notice.last_error),
            ],
        )
    try:
        resent = notices_resend(notice_id=notice.pk, actor=user)
    except DomainError as exc:
        messages.error(request, f"Not sent again. {exc.detail}")
        return redirect(back)
    if resent:
        messages.success(
            request, f"The notice to {recipient} is back in the outbox; the worker sends it shortly."
        )
    else:
        messages.info(
            request, f"The notice to {recipient} is already back in the outbox; nothing more to do."
        )
    return redirect(back)
