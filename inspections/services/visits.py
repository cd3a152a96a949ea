"""Opening, booking and moving a visit.

The booking rules are the vendor's policy: the lead time in business days at the site (weekends
and the site country's public holidays skipped), visits per inspector per day, the cut-off before
a visit after which the customer can no longer move it, and how many times it may move it. Only
an inspector who covers the site's country and is not away that day can be booked.

Locks, in the order of common.workflow: the request, then the inspection, then the rows of the
inspectors who could take the day (`Inspector`, by primary key). Two bookings of one inspector's
last slot queue on that inspector's row, and the second one counts the first.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from accounts.permissions import action_require
from common.errors import Conflict, DomainError, InvalidInput
from common.formats import visit_day
from common.workflow import transition, transition_start
from inspections.choices import InspectionStatus
from inspections.models import Absence, ChecklistVersion, Inspection, InspectionLine, Inspector
from relicensing.business_days import is_business_day
from relicensing.choices import RequestStatus
from relicensing.models import Request
from relicensing.services.lifecycle import request_lock, request_transition
from relicensing.services.requests import inspection_date_check
from webhooks.choices import WebhookEvent
from webhooks.services import webhook_event_record


def inspection_open(request: Request, *, actor: User | None) -> Inspection:
    """The visit for a request whose quote was just accepted: one line per chassis, the vendor's
    current checklist. Called by the workflow engine inside the acceptance (INSPECTION_WORKFLOW's
    `opened_by`), with the request locked."""
    existing = Inspection.objects.filter(request=request).first()
    if existing is not None:
        return existing
    inspection = Inspection.objects.create(
        request=request, checklist_version=checklist_current(vendor_id=request.vendor_id)
    )
    InspectionLine.objects.bulk_create(
        [
            InspectionLine(
                inspection=inspection, equipment=item.equipment, serial_number=item.equipment.serial_number
            )
            for item in request.items.select_related("equipment")
        ]
    )
    transition_start(
        inspection, actor=actor, reason=f"Opened when the quote for {request.number} was accepted."
    )
    return inspection


def checklist_current(*, vendor_id: int) -> ChecklistVersion | None:
    return ChecklistVersion.objects.filter(vendor_id=vendor_id).order_by("-version").first()


@dataclass(frozen=True)
class Booking:
    inspection: Inspection
    request: Request


def _lock(inspection: Inspection) -> Booking:
    request = request_lock(inspection.request_id)
    locked = (
        Inspection.objects.select_for_update(of=("self",)).select_related("inspector").get(pk=inspection.pk)
    )
    return Booking(locked, request)


@transaction.atomic
def inspection_schedule(*, inspection: Inspection, user: User, date: dt.date, inspector: User) -> Inspection:
    """Staff book the visit (or book it again: a staff move does not count against the customer's
    reschedules). 400 `lead_time`, `not_a_business_day` or `inspector_unavailable`; 409
    `capacity_full` when the inspector's day is full."""
    action_require(user, "inspection_schedule", inspection)
    booking = _lock(inspection)
    inspection, request = booking.inspection, booking.request
    _open_for_booking(inspection)
    if inspection.status == InspectionStatus.SCHEDULED and (date, inspector.pk) == (
        inspection.date,
        inspection.inspector_id,
    ):
        raise InvalidInput(
            {"date": [f"The visit is already booked on {visit_day(date)} with {inspector.display_name}."]}
        )
    _date_check(request, date)
    profile = _suitable(inspector, request, date)
    _locked_with_room([profile], request, date, moving=inspection)
    return _book(inspection, request, date=date, inspector=inspector, actor=user, counts=False)


@transaction.atomic
def inspection_reschedule(*, inspection: Inspection, user: User, date: dt.date) -> Inspection:
    """The customer or its partner move a booked visit to another day a suitable inspector is free:
    the same inspector when they can, else the least busy suitable one. Refused inside the vendor's
    cut-off (400 `reschedule_cutoff`) and past its limit (400 `reschedule_limit`)."""
    action_require(user, "inspection_reschedule", inspection)
    booking = _lock(inspection)
    inspection, request = booking.inspection, booking.request
    if inspection.status != InspectionStatus.SCHEDULED:
        raise Conflict(
            f"The visit for {request.number} is {inspection.get_status_display().lower()}; only a booked "
            "visit can be moved (programme staff book the first date).",
            code="invalid_transition",
            status=inspection.status,
        )
    vendor, country = request.vendor, request.site_country
    today = timezone.localdate()
    assert inspection.date is not None  # scheduled
    last_day = reschedule_last_day(inspection.date, vendor.reschedule_cutoff_business_days, country)
    if today > last_day:
        raise DomainError(
            f"The visit on {visit_day(inspection.date)} can be moved until {visit_day(last_day)} "
            f"({vendor.reschedule_cutoff_business_days} business days before it); ask programme staff.",
            code="reschedule_cutoff",
        )
    if inspection.reschedules >= vendor.max_customer_reschedules:
        raise DomainError(
            f"This visit was already moved {inspection.reschedules} times, the most {vendor.name} allows; "
            "ask programme staff.",
            code="reschedule_limit",
        )
    if date == inspection.date:
        raise InvalidInput({"date": [f"The visit is already on {visit_day(date)}."]})
    _date_check(request, date)
    candidates = [profile for profile in _coverage(request) if not _away(profile, date)]
    if not candidates:
        raise DomainError(
            f"No inspector who covers {country} is available on {visit_day(date)}; choose another day.",
            code="inspector_unavailable",
        )
    free = _locked_with_room(candidates, request, date, moving=inspection, all_full_ok=True)
    if not free:
        raise Conflict(
            f"Every inspector is fully booked on {visit_day(date)}; choose another day.", code="capacity_full"
        )
    chosen = next((p for p in free if p.user_id == inspection.inspector_id), free[0])
    return _book(inspection, request, date=date, inspector=chosen.user, actor=user, counts=True)


def reschedule_last_day(visit: dt.date, cutoff_business_days: int, country: str) -> dt.date:
    """The last day the customer may move a visit: `cutoff` business days before it (with no
    cut-off, the day before it)."""
    if cutoff_business_days == 0:
        return visit - dt.timedelta(days=1)
    day, remaining = visit, cutoff_business_days
    while remaining > 0:
        day -= dt.timedelta(days=1)
        if is_business_day(day, country):
            remaining -= 1
    return day


def _open_for_booking(inspection: Inspection) -> None:
    if inspection.status not in (InspectionStatus.UNSCHEDULED, InspectionStatus.SCHEDULED):
        raise Conflict(
            f"The visit is {inspection.get_status_display().lower()}; it cannot be booked.",
            code="invalid_transition",
            status=inspection.status,
        )


def _date_check(request: Request, date: dt.date) -> None:
    inspection_date_check(
        lead_business_days=request.vendor.inspection_lead_business_days,
        preferred=date,
        country=request.site_country,
    )


def _coverage(request: Request) -> list[Inspector]:
    """Active inspectors who cover the site's country, in primary-key order (the lock order)."""
    profiles = Inspector.objects.filter(user__is_active=True, user__role=Role.INSPECTOR).select_related(
        "user"
    )
    return [p for p in profiles.order_by("pk") if p.covers(request.site_country)]


def _away(profile: Inspector, date: dt.date) -> bool:
    return Absence.objects.filter(inspector=profile, starts_on__lte=date, ends_on__gte=date).exists()


def _suitable(user: User, request: Request, date: dt.date) -> Inspector:
    name = user.display_name
    profile = Inspector.objects.filter(user=user).select_related("user").first()
    if user.role != Role.INSPECTOR or not user.is_active or profile is None:
        raise InvalidInput({"inspector": [f"{name} is not an active inspector."]})
    if not profile.covers(request.site_country):
        raise DomainError(
            f"{name} does not cover {request.site_country}, where the site is.", code="inspector_unavailable"
        )
    if _away(profile, date):
        raise DomainError(f"{name} is away on {visit_day(date)}.", code="inspector_unavailable")
    return profile


def _locked_with_room(
    candidates: list[Inspector],
    request: Request,
    date: dt.date,
    *,
    moving: Inspection,
    all_full_ok: bool = False,
) -> list[Inspector]:
    """Lock the candidates' rows (by primary key), then those with a free slot that day, least
    busy first. The visit being moved does not count against its own inspector's day.

    The lock is the guard against two bookings of one last slot: the second waits here until the
    first commits, and the count below (a new snapshot under READ COMMITTED) then includes it."""
    locked = list(
        Inspector.objects.select_for_update()
        .filter(pk__in=[p.pk for p in candidates])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    booked = dict(
        Inspection.objects.filter(
            status=InspectionStatus.SCHEDULED, date=date, inspector__inspector__pk__in=locked
        )
        .exclude(pk=moving.pk)
        .values("inspector_id")
        .annotate(n=Count("pk"))
        .values_list("inspector_id", "n")
    )
    capacity = request.vendor.inspections_per_inspector_per_day
    free = sorted(
        (p for p in candidates if booked.get(p.user_id, 0) < capacity),
        key=lambda p: (booked.get(p.user_id, 0), p.pk),
    )
    if not free and not all_full_ok:
        name = candidates[0].user.display_name
        raise Conflict(
            f"{name} already has {capacity} visits on {visit_day(date)}, a full day; choose another day or inspector.",
            code="capacity_full",
        )
    return free


def _book(
    inspection: Inspection, request: Request, *, date: dt.date, inspector: User, actor: User, counts: bool
) -> Inspection:
    before, before_inspector = inspection.date, inspection.inspector
    inspection.date, inspection.inspector = date, inspector
    if counts:
        inspection.reschedules += 1
    inspection.save(update_fields=["date", "inspector", "reschedules", "updated_at"])
    if before is None:
        reason = f"Booked for {visit_day(date)} with {inspector.display_name}."
    else:
        reason = f"Moved from {visit_day(before)} to {visit_day(date)}"
        if before_inspector is not None and before_inspector.pk != inspector.pk:
            reason += f", now with {inspector.display_name} (was {before_inspector.display_name})"
        reason += "."
    transition(
        inspection,
        to=InspectionStatus.SCHEDULED,
        actor=actor,
        reason=reason,
        context={
            "date": date.isoformat(),
            "old_date": before.isoformat() if before else "",
            "old_inspector_id": before_inspector.pk if before_inspector else None,
        },
    )
    if request.status == RequestStatus.QUOTE_ACCEPTED:
        request_transition(request=request, to=RequestStatus.INSPECTION_SCHEDULED, actor=actor, reason=reason)
    event = WebhookEvent.INSPECTION_SCHEDULED if before is None else WebhookEvent.INSPECTION_RESCHEDULED
    webhook_event_record(
        type=event,
        target=inspection,
        organization=request.customer_id,
        occurrence=f"{date}:{inspection.reschedules}:{inspection.updated_at.isoformat()}",
    )
    return inspection
