"""The staff calendar (each inspector's load per day for three weeks, the visits waiting for a
date oldest first, the visits overdue for results) and each inspector's private iCalendar feed."""

import datetime as dt
from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from inspections.calendars import inspector_feed
from inspections.models import Inspector
from inspections.selectors import InspectorLoad, inspector_visits, staff_calendar
from relicensing.models import Vendor
from relicensing.views.access import staff_page

WEEKS = 3


@dataclass
class WeekRow:
    inspector: Inspector
    feed_url: str
    cells: list[tuple[dt.date, int, bool]]  # (day, visits, away)


@dataclass
class Week:
    days: list[dt.date]
    rows: list[WeekRow]


CALENDAR_REACH = dt.timedelta(days=5 * 366)


def _monday(value: str | None) -> dt.date:
    """The Monday of the week asked for; by default this week's, or next week's at the weekend."""
    today = timezone.localdate()
    try:
        day = dt.date.fromisoformat(value) if value else today
    except ValueError:
        day = today
    if abs(day - today) > CALENDAR_REACH:  # years away is a typo, and near year 1 or 9999 it overflows
        day = today
    if not value and day.weekday() >= 5:
        day += dt.timedelta(days=7 - day.weekday())
    return day - dt.timedelta(days=day.weekday())


def _weeks(days: list[dt.date], loads: list[InspectorLoad], feeds: dict[int, str]) -> list[Week]:
    weeks = []
    for start in range(0, len(days), 5):
        week_days = days[start : start + 5]
        rows = [
            WeekRow(load.inspector, feeds[load.inspector.pk], load.days[start : start + 5]) for load in loads
        ]
        weeks.append(Week(week_days, rows))
    return weeks


@staff_page
def inspection_calendar(request: HttpRequest) -> HttpResponse:
    start = _monday(request.GET.get("start"))
    calendar = staff_calendar(start=start, weeks=WEEKS)
    feeds = {
        load.inspector.pk: request.build_absolute_uri(
            reverse("inspection-feed", args=[load.inspector.feed_token])
        )
        for load in calendar.loads
    }
    capacities = dict(
        Vendor.objects.order_by("name").values_list("name", "inspections_per_inspector_per_day")
    )
    context = {
        "calendar": calendar,
        "weeks": _weeks(calendar.days, calendar.loads, feeds),
        "feeds": [(load.inspector, feeds[load.inspector.pk]) for load in calendar.loads],
        # A day is full for a vendor at its capacity; the most any vendor allows is shown.
        "capacity": max(capacities.values(), default=0),
        "capacities": capacities,
        "same_capacity": len(set(capacities.values())) <= 1,
        "today": timezone.localdate(),
        "earlier": (start - dt.timedelta(weeks=WEEKS)).isoformat(),
        "later": (start + dt.timedelta(weeks=WEEKS)).isoformat(),
        "this_week": start == _monday(None),
    }
    return render(request, "inspections/calendar.html", context)


def inspection_feed(request: HttpRequest, token: str) -> HttpResponse:
    """An inspector's visits for their calendar application. No sign-in: the token in the address
    is the key, so it is long, random and shown only to its inspector and to staff."""
    profile = Inspector.objects.filter(feed_token=token, user__is_active=True).select_related("user").first()
    if profile is None:
        raise Http404
    body = inspector_feed(profile.user.display_name, inspector_visits(inspector=profile))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="inspections.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
