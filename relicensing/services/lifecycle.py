"""The request lifecycle engine: every status change goes through `request_transition`.

It locks the request row, checks REQUEST_TRANSITIONS (beside the status choices), writes the
Transition row that is both audit trail and timeline, closes the request's items when it
reaches a final status, and writes the notice the change causes, all in one transaction.
"""

from typing import Any

from django.db import transaction

from accounts.choices import Role
from accounts.models import User
from config.errors import Conflict
from notices.services import notice_create
from relicensing.choices import CLOSED_STATUSES, REQUEST_TRANSITIONS, RequestStatus
from relicensing.models import Request, Transition


def transition_allowed(from_status: str, to_status: str) -> bool:
    return to_status in REQUEST_TRANSITIONS.get(from_status, frozenset())


@transaction.atomic
def request_transition(
    *,
    request: Request,
    to: RequestStatus,
    actor: User | None,
    reason: str = "",
    notice: str | None = None,
    notice_context: dict[str, Any] | None = None,
    notice_target: Any = None,
) -> Request:
    """Move a request to `to`, or raise 409 invalid_transition naming where it stands."""
    locked = Request.objects.select_for_update().get(pk=request.pk)
    if not transition_allowed(locked.status, to):
        raise Conflict(
            f"Request {locked.number} is {locked.get_status_display().lower()}; it cannot become "
            f"{RequestStatus(to).label.lower()}.",
            code="invalid_transition",
            status=locked.status,
        )
    from_status = locked.status
    locked.status = to
    locked.save(update_fields=["status", "updated_at"])
    Transition.objects.create(
        request=locked, from_status=from_status, to_status=to, actor=actor, reason=reason
    )
    if to in CLOSED_STATUSES:
        locked.items.update(is_open=False)
    if notice:
        request_notify(
            request=locked, event=notice, context=notice_context or {}, reason=reason, target=notice_target
        )
    return locked


def request_recipients(request: Request) -> list[User]:
    """Who hears about a request: the customer's users and the users of its partners."""
    return list(
        User.objects.filter(is_active=True)
        .filter(organization=request.customer_id, role=Role.CUSTOMER)
        .union(
            User.objects.filter(
                is_active=True, role=Role.PARTNER, organization__customers=request.customer_id
            )
        )
    )


def request_notify(
    *, request: Request, event: str, context: dict[str, Any], reason: str = "", target: Any = None
) -> None:
    """Tell the request's people. `target` (default: the request) keys the notice, so each
    quote revision, say, is announced once."""
    notice_create(
        event=event,
        target=target or request,
        recipients=request_recipients(request),
        context={
            "number": request.number,
            "status": request.get_status_display(),
            "reason": reason,
            **context,
        },
        link=f"/requests/{request.pk}/",
    )
