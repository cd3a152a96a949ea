"""The request lifecycle: every request status change goes through `request_transition`, which is
the workflow engine (common.workflow) plus what a request does on closing: its chassis leave it,
so they may enter a new request, and a rejection keeps its reason for the customer to read. The moves and the notice of each are REQUEST_WORKFLOW, beside
the status choices; the engine writes the timeline row and the notice in the same transaction.
"""

from typing import Any

from django.db import models, transaction

from accounts.choices import Role
from accounts.models import User
from common.models import Transition
from common.workflow import transition
from notices.services import notice_create
from relicensing.choices import CLOSED_STATUSES, REQUEST_WORKFLOW, RequestStatus
from relicensing.models import Request
from webhooks.choices import WebhookEvent
from webhooks.services import webhook_event_record


def request_lock(request_id: int) -> Request:
    """The request, locked until the transaction ends: the first lock of any change to a request
    and its children (the lock order of common.workflow)."""
    return (
        Request.objects.select_for_update(of=("self",))
        .select_related("vendor", "customer")
        .get(pk=request_id)
    )


def request_may_be_quoted(request: Request) -> bool:
    """A quote can be issued (a first one, or one superseding the last)."""
    return REQUEST_WORKFLOW.allows(request.status, RequestStatus.QUOTED)


@transaction.atomic
def request_transition(
    *,
    request: Request,
    to: RequestStatus,
    actor: User | None,
    reason: str = "",
    expected_from: RequestStatus | None = None,
    notice_context: dict[str, Any] | None = None,
    notice_target: models.Model | None = None,
) -> Request:
    """Move a request to `to`, or raise 409 invalid_transition naming where it stands. With
    `expected_from` (sweeps) a request no longer in that status is left as it is."""
    moved = transition(
        request,
        to=to,
        actor=actor,
        reason=reason,
        expected_from=expected_from,
        context=notice_context,
        target=notice_target,
    )
    if moved is not None and to in CLOSED_STATUSES:
        request.items.update(is_open=False)
    if moved is not None and to == RequestStatus.REJECTED:
        request.rejection_reason = reason  # what the customer reads on the request page
        Request.objects.filter(pk=request.pk).update(rejection_reason=reason)
    return request


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


def actor_context(user: User | None) -> dict[str, str]:
    """Who did it, so each reader is told in their own words (empty when the system did it)."""
    if user is None:
        return {"actor": "", "actor_org": "", "actor_role": ""}
    organization = user.organization.name if user.organization and not user.is_programme_staff else ""
    role = Role.STAFF if user.is_programme_staff else user.role
    return {"actor": user.display_name, "actor_org": organization, "actor_role": str(role)}


def request_notify(
    request: Request,
    *,
    event: str,
    transition: Transition,
    context: dict[str, Any],
    target: models.Model | None = None,
) -> None:
    """Tell the request's people about one move (the workflow's `notify`). The transition row
    names the occurrence, so each move is announced once, and every move is announced."""
    notice_create(
        event=event,  # type: ignore[arg-type]
        occurrence=f"transition:{transition.pk}",
        target=target or request,
        recipients=request_recipients(request),
        context={
            "number": request.number,
            "customer": request.customer.name,
            "site": request.site_name,
            "status": request.get_status_display(),
            "reason": transition.reason,
            # Who did it, so each reader is told in their own words (and a customer learns when
            # its partner acted on its behalf); empty when the system did it.
            **actor_context(transition.actor),
            **context,
        },
        link=f"/requests/{request.pk}/",
    )


def request_status_changed(request: Request, *, transition: Transition) -> None:
    """Every move of a request, to the webhooks of its customer and partners (the workflow's
    `observe`): the request as the API returns it, once per transition row."""
    webhook_event_record(
        type=WebhookEvent.REQUEST_STATUS_CHANGED,
        target=request,
        organization=request.customer_id,
        occurrence=f"transition:{transition.pk}",
    )
