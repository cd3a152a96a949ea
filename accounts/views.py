"""Pages: signing in, and the page shown while sign-in is locked out. (Each role's dashboard is
portal.views.dashboard.)"""

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.signin import signin_failure_limit, signin_retry_after


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


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
