"""Changing and resetting a password: Django's own views in the portal's layout, the reset email
through the outbox, reset attempts limited per address and per client, and wrong old passwords on
the change form limited per user, as sign-in is.

A reset never says whether an address is registered: the same page follows whatever is typed.
A new password, changed or reset, ends every API key of the user (accounts.models.User.save) and
every other session (Django checks each session against the password it was opened with)."""

import uuid
from typing import Any

from axes.helpers import get_client_ip_address
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django_ratelimit.core import get_usage, is_ratelimited

from notices.events import NoticeEvent
from notices.services import notice_create

# Reset requests: a few per address an hour (the owner retrying, not a flood into a mailbox), and
# more per client (an office behind one address), counted in the shared cache (Redis).
RESET_RATE_PER_ADDRESS = "5/h"
RESET_RATE_PER_CLIENT = "20/h"
LIMITED_RETRY_AFTER = 3600
# Wrong old passwords on the change form, per user: as many as sign-in allows before axes locks.
CHANGE_RATE = "5/15m"
CHANGE_WINDOW = 15 * 60


def _user(group: str, request: HttpRequest) -> str:
    return str(request.user.pk)


def _client(group: str, request: HttpRequest) -> str:
    # The client address as django-axes reads it for sign-in (proxy settings included).
    return get_client_ip_address(request) or "unknown"


def _address(group: str, request: HttpRequest) -> str:
    return request.POST.get("email", "").strip().lower()


def _limited(request: HttpRequest, *, group: str, rates: list[tuple[Any, str]]) -> bool:
    limited = False
    for key, rate in rates:
        # Every counter counts this attempt, even once one of them says no.
        limited |= is_ratelimited(request, group=group, key=key, rate=rate, method="POST", increment=True)
    return limited


def _too_many(request: HttpRequest) -> HttpResponse:
    response = render(request, "accounts/password_reset_limited.html", status=429)
    response["Retry-After"] = str(LIMITED_RETRY_AFTER)
    return response


class PasswordResetForm(auth_forms.PasswordResetForm):
    def send_mail(  # type: ignore[override]
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        """Through the outbox, like every email. The link is not stored with the notice: its
        template draws it when the email is written (accounts.templatetags.account_links), so no
        table holds a working reset link."""
        user = context["user"]
        notice_create(
            event=NoticeEvent.PASSWORD_RESET,
            occurrence=f"password_reset:{uuid.uuid4()}",  # every request is its own email
            target=user,
            recipients=[user],
            context={"username": user.get_username()},
        )


@method_decorator(never_cache, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    form_class = PasswordResetForm
    success_url = reverse_lazy("password-reset-sent")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        rates = [(_address, RESET_RATE_PER_ADDRESS), (_client, RESET_RATE_PER_CLIENT)]
        if _limited(request, group="password-reset", rates=rates):
            return _too_many(request)
        return super().post(request, *args, **kwargs)


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_sent.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password-reset-complete")
    post_reset_login = False  # sign in afresh (with the second factor, for staff)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if _limited(request, group="password-reset-confirm", rates=[(_client, RESET_RATE_PER_CLIENT)]):
            return _too_many(request)
        return super().post(request, *args, **kwargs)


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    """Keeps this session (Django renews its hash); every other session and API key ends.

    The old password is checked by the form, out of django-axes' sight, so a stolen session could
    guess it freely: wrong old passwords are counted per user, and past the limit every attempt,
    right or wrong, is refused until the window ends."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("password-changed")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        usage = get_usage(request, group="password-change", key=_user, rate=CHANGE_RATE, method="POST")
        if usage is not None and usage["count"] >= usage["limit"]:
            # The count ends with its window (at most 15 minutes away): say when, to the minute.
            wait = min(max(usage["time_left"], 1), CHANGE_WINDOW)
            response = render(
                request,
                "accounts/password_change_limited.html",
                {"wrong_limit": usage["limit"], "minutes": -(-wait // 60)},
                status=429,
            )
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        if form.has_error("old_password", code="password_incorrect"):
            get_usage(
                self.request,
                group="password-change",
                key=_user,
                rate=CHANGE_RATE,
                method="POST",
                increment=True,
            )
        return super().form_invalid(form)


class PasswordChangedView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_changed.html"
