"""The insights page (programme staff, and partners for the customers they serve) and the CSV of
each of its figures, filtered alike by period and vendor from the query string."""

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from insights.figures import FIGURES, KEPT_FOR, figures_kept
from insights.selectors import InsightScope, default_period, insight_scope, visits_per_day
from relicensing.exports import csv_response
from relicensing.models import Vendor

LONGEST_PERIOD = dt.timedelta(days=3 * 366)  # a longer period is refused: weeks and months past reading


def insights_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Programme staff and partners; a customer or an inspector is refused (403)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not (user.is_programme_staff or user.role == Role.PARTNER):  # type: ignore[union-attr]
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


class InsightFilters(forms.Form):
    start = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    vendor = forms.ChoiceField(required=False, label="Vendor")

    def __init__(self, *args: Any, vendors: list[Vendor], today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.vendors = {vendor.slug: vendor for vendor in vendors}
        self.today = today
        self.fields["vendor"].choices = [("", "All vendors"), *((v.slug, v.name) for v in vendors)]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        default_start, default_end = default_period(self.today)
        start, end = data.get("start") or default_start, data.get("end") or default_end
        if end < start:
            raise forms.ValidationError("The period ends before it starts; pick a “To” date after “From”.")
        if end - start > LONGEST_PERIOD:
            raise forms.ValidationError("Pick a period of at most three years.")
        data.update(start=start, end=end)
        return data


def _filters(request: HttpRequest) -> tuple[InsightFilters, InsightScope, int]:
    """The filters as read from the query string (the defaults when they do not read), the scope
    they give, and the visits a day an inspector makes (the vendor's, or the most any allows)."""
    user: User = request.user  # type: ignore[assignment]
    today = timezone.localdate()
    vendors = list(Vendor.objects.order_by("name"))
    form = InsightFilters(request.GET or None, vendors=vendors, today=today)
    start, end = default_period(today)
    vendor = None
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        vendor = form.vendors.get(form.cleaned_data["vendor"])
    return (
        form,
        insight_scope(user=user, start=start, end=end, vendor=vendor),
        visits_per_day(vendor, vendors),
    )


@insights_page
def insights(request: HttpRequest) -> HttpResponse:
    form, scope, per_day = _filters(request)
    query = request.GET.copy()
    if query.pop("fresh", None):
        # Worked out again now and kept; the page itself is the same address without the ask.
        figures_kept(scope, visits_per_day=per_day, fresh=True)
        return redirect(f"{request.path}?{query.urlencode()}" if query else request.path)
    kept = figures_kept(scope, visits_per_day=per_day)
    figures = kept.figures
    return render(
        request,
        "insights/insights.html",
        {
            "form": form,
            "scope": scope,
            "figures": figures,
            "funnel": figures["requests-by-status"],
            "waiting": figures["waiting-too-long"],
            "query": query.urlencode(),
            "query_items": [(name, value) for name, values in query.lists() for value in values],
            "worked_out_at": kept.at,
            "kept_minutes": int(KEPT_FOR.total_seconds() // 60),
            "is_partner": scope.customers is not None,
        },
    )


@insights_page
def insights_csv(request: HttpRequest, figure: str) -> HttpResponseBase:
    if figure not in FIGURES:
        raise Http404
    _, scope, per_day = _filters(request)
    found = figures_kept(scope, visits_per_day=per_day, slugs=[figure]).figures[figure]
    vendor = f"-{scope.vendor.slug}" if scope.vendor else ""
    filename = f"{figure}{vendor}-{scope.start.isoformat()}-to-{scope.end.isoformat()}.csv"
    return csv_response(found.header, [[str(cell) for cell in row] for row in found.rows], filename=filename)
