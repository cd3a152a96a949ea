"""Pages: signing in and out, and the dashboard of each role."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.dashboards import dashboard_context


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    context = dashboard_context(user=request.user)
    template = context.pop("template", "accounts/dashboard_empty.html")
    return render(request, template, context)
