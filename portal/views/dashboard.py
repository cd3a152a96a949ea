"""The home page: each role's dashboard (portal.dashboards gathers its figures)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal.dashboards import dashboard_context


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    context = dashboard_context(user=request.user)  # type: ignore[arg-type]
    template = context.pop("template", "accounts/dashboard_empty.html")
    return render(request, template, context)
