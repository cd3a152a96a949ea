"""Pages: signing in, the page shown while sign-in is locked out, one's own API keys, and staff's
second factor (verifying a session, recovery codes, setting up a new authenticator). (Each role's
dashboard is portal.views.dashboard.)"""

from base64 import b32encode
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import second_factor, selectors, services
from accounts.forms import AuthenticatorConfirmForm, SecondFactorVerifyForm, SignInForm
from accounts.signin import signin_failure_limit, signin_retry_after
from common.pages import post_only


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "staff_second_factor": settings.STAFF_REQUIRE_2FA}


def signin_locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """django-axes' answer (AXES_LOCKOUT_CALLABLE) on the sign-in page and the admin's."""
    retry_after = signin_retry_after(request=request)
    response = render(
        request,
        "accounts/locked_out.html",
        {"failure_limit": signin_failure_limit(), "minutes": max(1, -(-retry_after // 60))},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


@login_required
def api_key_list(request: HttpRequest) -> HttpResponse:
    """The caller's own API keys in force: when each was issued and ends, each with a revoke button."""
    return render(request, "accounts/api_keys.html", {"tokens": selectors.api_token_list(user=request.user)})


@login_required
@post_only("api-keys")
def api_key_revoke(request: HttpRequest, token_key: str) -> HttpResponse:
    if services.api_token_revoke(user=request.user, token_key=token_key):
        messages.success(request, f"The API key starting {token_key[:8]} no longer signs in.")
    else:
        messages.info(request, "That key had already ended.")
    return redirect("api-keys")


@login_required
@post_only("api-keys")
def api_keys_revoke_all(request: HttpRequest) -> HttpResponse:
    ended = services.api_tokens_revoke_all(user=request.user)
    messages.success(request, f"{ended} API key{pluralize(ended)} ended.")
    return redirect("api-keys")


@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """Programme staff's single-use recovery codes: a POST issues a fresh set (the old set ends),
    shown once, for when the authenticator app is out of reach."""
    if not request.user.is_programme_staff:  # type: ignore[union-attr]
        raise PermissionDenied
    codes = second_factor.recovery_codes_issue(user=request.user) if request.method == "POST" else []
    return render(request, "accounts/recovery_codes.html", {"codes": codes})


@login_required
@never_cache
def second_factor_verify(request: HttpRequest) -> HttpResponse:
    """A session signed in without a second factor (before STAFF_REQUIRE_2FA was turned on, or
    through another path) gives one here before a page that needs it opens."""
    user = request.user
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = resolve_url("dashboard")
    if not second_factor.second_factor_required(user=user) or user.is_verified():  # type: ignore[arg-type, union-attr]
        return redirect(target)
    form = SecondFactorVerifyForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        otp_login(request, form.device)
        return redirect(target)
    return render(request, "accounts/second_factor_verify.html", {"form": form, "next": target})


AUTHENTICATOR_WRONG_CODE = (
    "That code does not match the new authenticator, so nothing has changed: your current "
    "authenticator still signs you in. Check that the app shows the account you have just added, "
    "then enter the code it shows now."
)


@login_required
@never_cache
def authenticator(request: HttpRequest) -> HttpResponse:
    """Staff set up a new authenticator app: a POST `start` makes a new secret (shown as a QR code
    and in text); the first code from the app puts it in force and ends the old one. Where
    STAFF_REQUIRE_2FA is on, only a session verified with a second factor may do this."""
    user = request.user
    if not second_factor.second_factor_manageable(user=user):  # type: ignore[arg-type]
        raise PermissionDenied
    if second_factor.second_factor_required(user=user) and not user.is_verified():  # type: ignore[arg-type, union-attr]
        return redirect_to_login(request.get_full_path(), reverse("second-factor-verify"))
    action = request.POST.get("action")
    if request.method == "POST" and action == "start":
        second_factor.authenticator_start(user=user)  # type: ignore[arg-type]
        return redirect("authenticator")
    form = AuthenticatorConfirmForm(request.POST if action == "confirm" else None)
    if form.is_bound and form.is_valid():
        device = second_factor.authenticator_confirm(user=user, code=form.cleaned_data["code"])  # type: ignore[arg-type]
        if device is not None:
            otp_login(request, device)  # the session was verified with the old device, now gone
            messages.success(
                request, "Your new authenticator is in force; the old one no longer signs you in."
            )
            return redirect("authenticator")
        form.add_error("code", AUTHENTICATOR_WRONG_CODE)
    pending = second_factor.authenticator_pending(user=user)  # type: ignore[arg-type]
    context = {
        "current": second_factor.authenticator_current(user=user),  # type: ignore[arg-type]
        "pending": pending,
        "form": form,
        **(_authenticator_setup(pending) if pending else {}),
    }
    return render(request, "accounts/authenticator.html", context)


def _authenticator_setup(device: TOTPDevice) -> dict[str, str]:
    """The new secret as an app takes it: a QR code (an SVG data URI, as the CSP allows images) and
    the same secret in groups of four to type by hand."""
    secret = b32encode(device.bin_key).decode()
    return {
        "qr": segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }
