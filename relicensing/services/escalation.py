"""Requests waiting on the vendor's side too long: programme staff are told, once per wait.

A request waits on the vendor while it is submitted (a quote is due), quote_accepted (an
inspection date is due), inspected (the final quote and purchase order follow the results),
po_received (approval is due) or approved (reinstatement is due). Quoted requests wait on the
customer and expire by themselves; a scheduled inspection waits for its date. The wait is counted
in business days of the site's country from the request's last move; the vendor sets the limit,
and staff hear on the first business day past it.
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from common.models import Transition
from notices.events import NoticeEvent
from notices.models import Notice
from notices.services import notice_create
from relicensing.business_days import add_business_days
from relicensing.choices import RequestStatus
from relicensing.models import Request

WAITING_ON_VENDOR = (
    RequestStatus.SUBMITTED,
    RequestStatus.QUOTE_ACCEPTED,
    RequestStatus.INSPECTED,
    RequestStatus.PO_RECEIVED,
    RequestStatus.APPROVED,
)


@dataclass(frozen=True)
class Wait:
    request: Request
    since: dt.datetime  # the request's last move
    move_id: int  # that move's timeline row
    escalated_on: dt.date  # the first business day past the vendor's limit

    @property
    def occurrence(self) -> str:
        """The escalation notice's key: one per wait."""
        return f"waiting:{self.move_id}"


def requests_waiting_too_long(*, now: dt.datetime | None = None) -> list[Wait]:
    """Requests waiting on the vendor's side past the vendor's limit, longest first (the sweep
    and the operator's page read this one list). Two queries."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    last_move = Transition.objects.filter(
        target_type=ContentType.objects.get_for_model(Request), target_id=OuterRef("pk")
    ).order_by("-at", "-pk")
    # Business days are never fewer than calendar days: the calendar cut narrows the candidates.
    candidates = (
        Request.objects.filter(status__in=WAITING_ON_VENDOR)
        .annotate(moved_at=Subquery(last_move.values("at")[:1]), move_id=Subquery(last_move.values("pk")[:1]))
        .filter(moved_at__lte=now - dt.timedelta(days=1))
        .select_related("vendor", "customer")
        .order_by("moved_at", "pk")
    )
    waits = [
        Wait(
            request=request,
            since=request.moved_at,  # type: ignore[attr-defined]  # annotated above
            move_id=request.move_id,  # type: ignore[attr-defined]
            escalated_on=_escalation_day(request),
        )
        for request in candidates
    ]
    return [wait for wait in waits if today >= wait.escalated_on]


def stale_requests_escalate(*, now: dt.datetime | None = None) -> int:
    """Sweep: one notice to programme staff per request and wait (the last move's timeline row is
    the notice's occurrence key, so running twice or at once tells nobody twice). Returns how many
    requests were newly escalated."""
    staff = list(User.objects.filter(is_active=True, role=Role.STAFF))
    stale = requests_waiting_too_long(now=now)
    told = set(
        Notice.objects.filter(occurrence__in=[wait.occurrence for wait in stale]).values_list(
            "occurrence", flat=True
        )
    )
    escalated = 0
    for wait in stale:
        request = wait.request
        if wait.occurrence in told:
            continue
        escalated += 1
        with transaction.atomic():
            notice_create(
                event=NoticeEvent.REQUEST_WAITING_ON_VENDOR,
                occurrence=wait.occurrence,
                target=request,
                recipients=staff,
                context={
                    "number": request.number,
                    "customer": request.customer.name,
                    "vendor": request.vendor.name,
                    "status": request.get_status_display(),
                    "since": wait.since.isoformat(),
                    "limit": request.vendor.escalate_after_business_days,
                },
                link=f"/requests/{request.pk}/",
            )
    return escalated


def _escalation_day(request: Request) -> dt.date:
    """The first business day after the vendor's limit of full business days (the day of the
    move not counted): a wait that ends on a Friday is escalated on Monday, not on Saturday."""
    waited_from = timezone.localdate(request.moved_at)  # type: ignore[attr-defined]  # annotated
    return add_business_days(
        waited_from, request.vendor.escalate_after_business_days + 1, request.site_country
    )
