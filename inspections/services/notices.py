"""Who hears about a visit, and the reminder on the business day before it.

The customer's people and its partners hear of every booking, move and result; the assigned
inspector of bookings, moves and cancellations (with the visit as a calendar file); programme
staff of moves the customer made and of results. Each notice names its occurrence, so a move is
announced once, and the reminder for one visit date is sent once however often the sweep runs.
"""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from common.models import Transition
from inspections.calendars import visit_attachment
from inspections.choices import InspectionStatus
from inspections.models import Inspection
from notices.events import NoticeEvent
from notices.services import NoticeDraft, notice_create, notices_create_many
from relicensing.business_days import previous_business_day
from relicensing.services.lifecycle import actor_context, request_recipients


def _staff() -> list[User]:
    return list(User.objects.filter(is_active=True, role=Role.STAFF))


def _context(inspection: Inspection, *, counts: tuple[int, int] | None = None) -> dict[str, Any]:
    """`counts`: the visit's (chassis, passed), when the caller has them (a sweep counts in its query)."""
    request = inspection.request
    chassis, passed = counts or (inspection.lines.count(), inspection.lines.filter(outcome="passed").count())
    return {
        "number": request.number,
        "customer": request.customer.name,
        "site": request.site_name,
        "site_address": request.site_address,
        "site_country": request.site_country,
        "contact_name": request.contact_name,
        "contact_phone": request.contact_phone,
        "date": inspection.date.isoformat() if inspection.date else "",
        "inspector": inspection.inspector.display_name if inspection.inspector else "",
        "chassis": chassis,
        "passed": passed,
    }


def inspection_notify(
    inspection: Inspection,
    *,
    event: str,
    transition: Transition,
    context: dict[str, Any],
    target: models.Model | None = None,
) -> None:
    """The inspection workflow's `notify`: one notice per move, to the people that move concerns."""
    people = request_recipients(inspection.request)
    inspector = [inspection.inspector] if inspection.inspector else []
    attachments: list[dict[str, str]] = []
    if event == NoticeEvent.INSPECTION_SCHEDULED:
        people += inspector
        attachments = [visit_attachment(inspection)]
    elif event == NoticeEvent.INSPECTION_RESCHEDULED:
        people += inspector + _staff()
        attachments = [visit_attachment(inspection)]
        _taken_off(inspection, transition, context)
    elif event == NoticeEvent.INSPECTION_CANCELLED:
        people += inspector  # everyone who was sent the visit for their calendar
        attachments = [visit_attachment(inspection, cancelled=True)]
    elif event == NoticeEvent.INSPECTION_RESULTS_RECORDED:
        people += _staff()
    notice_create(
        event=event,  # type: ignore[arg-type]
        occurrence=f"transition:{transition.pk}",
        target=target or inspection,
        recipients=[p for p in people if p is not None],
        context={
            **_context(inspection),
            "reason": transition.reason,
            **actor_context(transition.actor),
            **context,
        },
        link=f"/inspections/{inspection.pk}/",
        attachments=attachments,
    )


# The longest run of days without business anywhere is about two weeks (New Year in some
# countries); visits further ahead than this are never due a reminder yet.
REMINDER_LOOKAHEAD = dt.timedelta(days=31)


def _taken_off(inspection: Inspection, transition: Transition, context: dict[str, Any]) -> None:
    """A move that handed the visit to another inspector: the one taken off it is told, with a
    cancellation that removes it from their calendar."""
    old = User.objects.filter(pk=context.get("old_inspector_id") or 0).exclude(
        pk=inspection.inspector_id or 0
    )
    if not old:
        return
    notice_create(
        event=NoticeEvent.INSPECTION_CANCELLED,
        occurrence=f"transition:{transition.pk}:taken-off",
        target=inspection,
        recipients=list(old),
        context={
            **_context(inspection),
            "date": context.get("old_date", ""),
            "reassigned": True,
            "reason": transition.reason,
        },
        link=f"/inspections/{inspection.pk}/",
        attachments=[visit_attachment(inspection, cancelled=True)],
    )


# Visits reminded per transaction (one notice insert each).
REMINDER_BATCH = 5000


def inspection_reminders_send(*, today: dt.date | None = None) -> int:
    """Sweep: remind the customer's people and the inspector on the business day before a visit
    (at the site), or on the first run after it if the sweep missed that day. Keyed by visit and
    date, so a second run, or a run after a restart, sends nothing new, while a visit moved to
    another day is reminded again for its new date. Set-based: the due visits in one query (their
    lines counted in it), their reminders in one notice insert per REMINDER_BATCH visits. Returns
    how many visits are due one."""
    today = today or timezone.localdate()
    scheduled = (
        Inspection.objects.filter(
            status=InspectionStatus.SCHEDULED, date__gt=today, date__lte=today + REMINDER_LOOKAHEAD
        )
        .select_related("request__customer", "inspector")
        .annotate(chassis=Count("lines"), passed=Count("lines", filter=Q(lines__outcome="passed")))
        .order_by("pk")
    )
    eves: dict[tuple[dt.date, str], dt.date] = {}
    due = []
    for inspection in scheduled:
        assert inspection.date is not None
        key = (inspection.date, inspection.request.site_country)
        if key not in eves:
            eves[key] = previous_business_day(*key)
        if today >= eves[key]:
            due.append(inspection)
    for start in range(0, len(due), REMINDER_BATCH):
        with transaction.atomic():
            notices_create_many(_reminder_drafts(due[start : start + REMINDER_BATCH]))
    return len(due)


def _reminder_drafts(inspections: Sequence[Inspection]) -> list[NoticeDraft]:
    customers: dict[int, list[User]] = {}
    inspection_type = ContentType.objects.get_for_model(Inspection).pk
    drafts = []
    for inspection in inspections:
        request = inspection.request
        if request.customer_id not in customers:
            customers[request.customer_id] = request_recipients(request)
        assert inspection.date is not None
        drafts.append(
            NoticeDraft(
                event=NoticeEvent.INSPECTION_REMINDER,
                occurrence=f"inspection:{inspection.pk}:reminder:{inspection.date.isoformat()}",
                target_type_id=inspection_type,
                target_id=inspection.pk,
                recipients=[
                    *customers[request.customer_id],
                    *([inspection.inspector] if inspection.inspector else []),
                ],
                context=_context(inspection, counts=(inspection.chassis, inspection.passed)),  # type: ignore[attr-defined]
                link=f"/inspections/{inspection.pk}/",
            )
        )
    return drafts
