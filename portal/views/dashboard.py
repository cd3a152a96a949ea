"""The home page: each role's dashboard (portal.dashboards gathers its figures)."""

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal.dashboards import dashboard_context


# It only reads, and its cards need no common snapshot: no transaction (ATOMIC_REQUESTS would open
# one: two round trips to the database on the most-visited page).
@transaction.non_atomic_requests
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    context = dashboard_context(user=request.user)  # type: ignore[arg-type]
    template = context.pop("template", "accounts/dashboard_empty.html")
    return render(request, template, context)
