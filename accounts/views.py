"""Pages: signing in, the page shown while sign-in is locked out, and one's own API keys. (Each
role's dashboard is portal.views.dashboard.)"""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize

from accounts import second_factor, selectors, services
from accounts.forms import SignInForm
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
