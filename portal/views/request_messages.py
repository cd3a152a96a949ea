"""Pages: posting a message in a request's conversation, and downloading a message's attachment.
A refused message comes back on the request's page beside the form, with what was typed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from accounts.models import User
from common.errors import DomainError, InvalidInput
from common.pages import errors_onto, post_only
from portal.views.requests import detail_context
from relicensing.message_forms import MessageForm
from relicensing.services import messages as services
from relicensing.views.access import installed_base_page


@installed_base_page
@post_only("request-detail", anchor="#conversation")
def request_message_post(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    target = services.conversation_request(user=user, pk=pk)
    form = MessageForm(request.POST, request.FILES, user=user)
    if form.is_valid():
        try:
            services.request_message_post(
                request=target,
                user=user,
                body=form.cleaned_data["body"],
                internal=form.cleaned_data.get("internal", False),
                attachment=form.cleaned_data["attachment"],
            )
        except InvalidInput as exc:
            errors_onto(form, exc)
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, "Your message is posted; the others on the request are told.")
            return redirect(reverse("request-detail", args=[pk]) + "#conversation")
    context = detail_context(user=user, target=target) | {"message_form": form}
    return render(request, "relicensing/requests/detail.html", context, status=400)


@login_required
def request_message_attachment(request: HttpRequest, pk: int, message_id: int) -> FileResponse:
    """The attached file, to anyone who may read the message (the assigned inspector too)."""
    user: User = request.user  # type: ignore[assignment]
    target = services.conversation_request(user=user, pk=pk)
    message = get_object_or_404(
        services.messages_visible(request=target, user=user).exclude(attachment=""), pk=message_id
    )
    return FileResponse(
        message.attachment.open("rb"),
        as_attachment=True,
        filename=message.attachment_name,
        content_type=message.attachment_type,
    )
