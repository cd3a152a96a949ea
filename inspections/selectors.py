"""Reading inspections: what a person may see, the days a visit can move to, the staff calendar
(each inspector's load per day, visits waiting for a date, visits overdue for results), and a
chassis' inspection history."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from accounts.models import User
from common.models import Transition
from inspections.choices import InspectionStatus
from inspections.models import Absence, Inspection, InspectionLine, InspectionResult, Inspector
from relicensing.business_days import business_days_from, earliest_inspection_date


def inspections_visible(*, user: User) -> QuerySet[Inspection]:
    """What a person may see: their customers' visits, or for an inspector those assigned to them."""
    return Inspection.objects.visible_to(user).select_related(
        "request__customer", "request__vendor", "inspector", "checklist_version"
    )


def inspections_with_contents(inspections: QuerySet[Inspection]) -> QuerySet[Inspection]:
    """What a visit's page and answer show, each kind fetched once for a whole list: chassis with
    their results (oldest first: corrections after what they correct) and photos, and the
    timeline."""
    results = InspectionResult.objects.select_related("recorded_by", "corrects").order_by("recorded_at", "id")
    lines = InspectionLine.objects.prefetch_related(Prefetch("results", queryset=results), "photos")
    return inspections.prefetch_related(
        Prefetch("lines", queryset=lines),
        Prefetch(
            "transitions",
            queryset=Transition.objects.select_related("actor__organization").order_by("at", "id"),
        ),
    )


def inspection_detail(*, user: User, pk: int) -> Inspection:
    """One visit with its contents; DoesNotExist (404) outside the person's reach."""
    return inspections_with_contents(inspections_visible(user=user)).get(pk=pk)


def _coverage(country: str) -> list[Inspector]:
    return [
        p
        for p in Inspector.objects.filter(user__is_active=True, user__role="inspector").select_related("user")
        if p.covers(country)
    ]


def _away_days(profiles: list[Inspector], start: dt.date, end: dt.date) -> set[tuple[int, dt.date]]:
    away: set[tuple[int, dt.date]] = set()
    for absence in Absence.objects.filter(inspector__in=profiles, starts_on__lte=end, ends_on__gte=start):
        day = max(absence.starts_on, start)
        while day <= min(absence.ends_on, end):
            away.add((absence.inspector.user_id, day))
            day += dt.timedelta(days=1)
    return away


def booked_per_day(
    *, inspector_ids: list[int], start: dt.date, end: dt.date, excluding: int | None = None
) -> dict[tuple[int, dt.date], int]:
    """Visits booked per (inspector user id, day) in a range."""
    booked = Inspection.objects.filter(
        status=InspectionStatus.SCHEDULED, inspector_id__in=inspector_ids, date__range=(start, end)
    )
    if excluding is not None:
        booked = booked.exclude(pk=excluding)
    rows = booked.values_list("inspector_id", "date").annotate(n=Count("pk"))
    return {(inspector_id, day): n for inspector_id, day, n in rows}


def available_dates(*, inspection: Inspection, days: int = 30) -> list[dt.date]:
    """The next `days` business days beyond the lead time on which an inspector who covers the
    site's country is neither away nor fully booked. The visit itself does not count against its
    own inspector's day, and its current date is left out (moving there would change nothing)."""
    request = inspection.request
    vendor, country = request.vendor, request.site_country
    start = earliest_inspection_date(
        today=timezone.localdate(), lead_business_days=vendor.inspection_lead_business_days, country=country
    )
    candidates = business_days_from(start, country, count=days)
    profiles = _coverage(country)
    if not profiles:
        return []
    ids = [p.user_id for p in profiles]
    booked = booked_per_day(
        inspector_ids=ids, start=candidates[0], end=candidates[-1], excluding=inspection.pk
    )
    away = _away_days(profiles, candidates[0], candidates[-1])
    capacity = vendor.inspections_per_inspector_per_day
    return [
        day
        for day in candidates
        if day != inspection.date
        and any((i, day) not in away and booked.get((i, day), 0) < capacity for i in ids)
    ]


def suitable_inspectors(*, inspection: Inspection) -> list[Inspector]:
    """Inspectors who cover the site's country (the staff booking form's choices)."""
    return _coverage(inspection.request.site_country)


@dataclass
class InspectorLoad:
    inspector: Inspector
    days: list[tuple[dt.date, int, bool]] = field(default_factory=list)  # (day, visits, away)


@dataclass
class StaffCalendar:
    days: list[dt.date]
    loads: list[InspectorLoad]
    unscheduled: list[Inspection]
    overdue: list[Inspection]


def staff_calendar(*, start: dt.date | None = None, weeks: int = 3) -> StaffCalendar:
    """Each inspector's visits per weekday for a few weeks, the visits waiting for a date (oldest
    first), and those whose date has passed without results."""
    today = timezone.localdate()
    start = start or today - dt.timedelta(days=today.weekday())
    days = [
        start + dt.timedelta(days=n) for n in range(weeks * 7) if (start + dt.timedelta(days=n)).weekday() < 5
    ]
    profiles = list(
        Inspector.objects.filter(user__is_active=True).select_related("user").order_by("user__username")
    )
    ids = [p.user_id for p in profiles]
    booked = booked_per_day(inspector_ids=ids, start=days[0], end=days[-1])
    away = _away_days(profiles, days[0], days[-1])
    loads = [
        InspectorLoad(p, [(day, booked.get((p.user_id, day), 0), (p.user_id, day) in away) for day in days])
        for p in profiles
    ]
    base = Inspection.objects.select_related("request__customer", "request__vendor", "inspector")
    return StaffCalendar(
        days=days,
        loads=loads,
        unscheduled=list(base.filter(status=InspectionStatus.UNSCHEDULED).order_by("created_at", "pk")),
        overdue=list(base.filter(status=InspectionStatus.SCHEDULED, date__lt=today).order_by("date", "pk")),
    )


def inspections_overdue(*, today: dt.date | None = None) -> QuerySet[Inspection]:
    return Inspection.objects.filter(
        status=InspectionStatus.SCHEDULED, date__lt=today or timezone.localdate()
    )


def inspector_visits(*, inspector: Inspector) -> QuerySet[Inspection]:
    """An inspector's booked and completed visits, for their calendar feed."""
    return (
        Inspection.objects.filter(
            inspector_id=inspector.user_id,
            status__in=[InspectionStatus.SCHEDULED, InspectionStatus.COMPLETED],
        )
        .select_related("request__customer", "inspector")
        .prefetch_related("lines")
        .order_by("date", "pk")
    )


def equipment_inspection_history(*, user: User, equipment_id: int) -> list[InspectionLine]:
    """The visits the person may see that inspected a chassis, newest first, with their results
    (corrections included). A former owner's visits stay theirs."""
    results = InspectionResult.objects.select_related("recorded_by").order_by("recorded_at", "id")
    return list(
        InspectionLine.objects.filter(
            equipment_id=equipment_id, inspection__in=Inspection.objects.visible_to(user)
        )
        .select_related("inspection__request", "inspection__inspector", "inspection__checklist_version")
        .prefetch_related(Prefetch("results", queryset=results), "photos")
        .order_by("-inspection__date", "-pk")
    )
