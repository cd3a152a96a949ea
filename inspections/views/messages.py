"""The assigned inspector's side of a request's conversation: posting from the visit's page, since
an inspector has no request page. The rules are the conversation service's, as on the request page;
a refused message comes back on the visit's page beside the form, with what was typed."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.choices import Role
from accounts.models import User
from common.errors import DomainError, InvalidInput
from common.pages import errors_onto, post_only
from inspections.views.access import inspection_page, visit_get
from inspections.views.visits import detail_context
from relicensing.message_forms import MessageForm
from relicensing.services import messages as conversation


@inspection_page
@post_only("inspection-detail", anchor="#conversation")
def inspection_message_post(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    inspection = visit_get(user, pk)  # another inspector's visit is a 404
    if user.role != Role.INSPECTOR:
        # Everyone else on the request posts from the request's page, where the whole conversation is.
        raise PermissionDenied
    target = conversation.conversation_request(user=user, pk=inspection.request_id)
    form = MessageForm(request.POST, request.FILES, user=user)
    if form.is_valid():
        try:
            conversation.request_message_post(
                request=target,
                user=user,
                body=form.cleaned_data["body"],
                attachment=form.cleaned_data["attachment"],
            )
        except InvalidInput as exc:
            errors_onto(form, exc)
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, "Your message is posted; the others on the request are told.")
            return redirect(reverse("inspection-detail", args=[pk]) + "#conversation")
    context = detail_context(request, inspection, message_form=form)
    return render(request, "inspections/detail.html", context, status=400)
