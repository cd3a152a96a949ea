"""Webhooks: registering endpoints, writing deliveries into the outbox, sending them.

Delivery is at least once, effect once per attempt: a worker claims a delivery with a
compare-and-set (pending and due -> sending, with a lease) before posting it, so two workers
(a re-dispatch, the sweep beside the commit hook) never both post it. The post happens outside any
transaction (a slow endpoint holds no lock). A worker that dies mid-post leaves the claim; the sweep
frees it when its lease ends, and the delivery is posted again with the same event id.
"""

import datetime as dt
import json
import logging
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Organization, Partnership, User
from accounts.selectors import organization_administrators
from common.errors import Conflict, InvalidInput, NotPermitted
from webhooks.choices import DeliveryStatus, EndpointStatus, WebhookEvent
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.payloads import payload_data
from webhooks.signing import HEADER, secret_generate, signature_header
from webhooks.transport import url_check, webhook_post

logger = logging.getLogger(__name__)

FIRST_RETRY = dt.timedelta(minutes=1)  # then 2, 4, 8 ... minutes
LONGEST_RETRY = dt.timedelta(hours=1)
RETRY_FOR = dt.timedelta(hours=24)  # after the first attempt; then the delivery has failed
PAUSE_AFTER = dt.timedelta(hours=24)  # an endpoint failing every attempt this long is paused
ROTATION_OVERLAP = dt.timedelta(hours=24)
LEASE = dt.timedelta(minutes=2)  # longer than a post with its redirects can take
EVENT_NAMESPACE = uuid.UUID("6f1d2c1e-6b53-4c55-9d0e-7d1c4b0e5a11")


# --- who may manage -------------------------------------------------------------------------
def webhooks_manageable(user: User, organization_id: int | None) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_programme_staff:
        return True
    return (
        bool(user.is_organization_admin)
        and organization_id is not None
        and user.organization_id == organization_id
    )


def webhooks_manage_require(user: User, organization_id: int | None) -> None:
    """403 unless the user is one of the organisation's administrators, or programme staff."""
    if not webhooks_manageable(user, organization_id):
        raise NotPermitted("Only your organisation's administrators manage its webhooks.")


# --- endpoints ------------------------------------------------------------------------------
def _events_clean(events: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(events))
    unknown = [name for name in chosen if name not in WebhookEvent.values]
    if unknown or not chosen:
        raise InvalidInput(
            {
                "events": [
                    (
                        f"Unknown event types: {', '.join(unknown)}. "
                        if unknown
                        else "Pick at least one event type. "
                    )
                    + f"Known: {', '.join(WebhookEvent.values)}."
                ]
            }
        )
    return chosen


def webhook_endpoint_create(
    *, actor: User, url: str, events: Sequence[str], organization: Organization | None = None
) -> WebhookEndpoint:
    """Register an endpoint for the actor's organisation (staff: for any). Its secret is on the
    returned instance, to be shown once. 400 `url_not_public` for an address inside a network."""
    organization = organization or actor.organization
    if organization is None:
        raise NotPermitted("You belong to no organisation.")
    webhooks_manage_require(actor, organization.pk)
    chosen = _events_clean(events)
    url_check(url)
    return WebhookEndpoint.objects.create(
        organization=organization, url=url, events=chosen, secret=secret_generate(), created_by=actor
    )


def webhook_endpoint_delete(*, actor: User, endpoint: WebhookEndpoint) -> None:
    webhooks_manage_require(actor, endpoint.organization_id)
    endpoint.delete()
    logger.info("Webhook endpoint %s deleted by user %s", endpoint.pk, actor.pk)


def webhook_endpoint_rotate_secret(*, actor: User, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new secret signs from now; the old one also signs for ROTATION_OVERLAP, so the receiver
    can switch at its own pace. Locked: two rotations at once keep a consistent pair."""
    webhooks_manage_require(actor, endpoint.organization_id)
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        locked.previous_secret, locked.secret = locked.secret, secret_generate()
        locked.previous_secret_until = timezone.now() + ROTATION_OVERLAP
        locked.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    return locked


def webhook_endpoint_resume(*, actor: User, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Send again: the waiting deliveries go now, each with a fresh day of retries."""
    webhooks_manage_require(actor, endpoint.organization_id)
    now = timezone.now()
    resumed = WebhookEndpoint.objects.filter(pk=endpoint.pk, status=EndpointStatus.PAUSED).update(
        status=EndpointStatus.ACTIVE, paused_at=None, failing_since=None
    )
    if resumed:
        waiting = list(
            WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).values_list(
                "pk", flat=True
            )
        )
        WebhookDelivery.objects.filter(pk__in=waiting).update(next_attempt_at=now, first_attempt_at=None)
        transaction.on_commit(lambda: webhook_deliveries_dispatch(waiting))
    endpoint.refresh_from_db()
    return endpoint


def secrets_in_force(endpoint: WebhookEndpoint, *, now: dt.datetime) -> list[str]:
    in_force = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_secret_until and endpoint.previous_secret_until > now:
        in_force.append(endpoint.previous_secret)
    return in_force


# --- writing events -------------------------------------------------------------------------
def webhook_event_record(
    *, type: WebhookEvent | str, target: Any, organization: int | Organization, occurrence: str = ""
) -> int:
    """Write one delivery of this event for every endpoint subscribed to it among the organisation
    (the customer the object belongs to) and the partners serving it, in the caller's transaction;
    hand them to the worker after commit. `occurrence` names what happened once (a transition's
    id): the event id derives from it, so recording the same occurrence again adds nothing.

    A webhook problem never fails the business change: anything but a database error (which has
    already spoiled the transaction) is logged and the event is skipped."""
    try:
        return _event_record(
            type=WebhookEvent(type), target=target, organization=organization, occurrence=occurrence
        )
    except DatabaseError:
        raise
    except Exception:
        logger.exception("Webhook event %s for %r not recorded", type, target)
        return 0


def _event_record(
    *, type: WebhookEvent, target: Any, organization: int | Organization, occurrence: str
) -> int:
    customer_id = organization if isinstance(organization, int) else organization.pk
    reached = Q(organization_id=customer_id) | Q(
        organization_id__in=Partnership.objects.filter(customer_id=customer_id).values("partner_id")
    )
    endpoints = list(
        WebhookEndpoint.objects.filter(reached, events__contains=[type.value]).values_list("pk", flat=True)
    )
    if not endpoints:
        return 0
    now = timezone.now()
    event_id = (
        uuid.uuid5(EVENT_NAMESPACE, f"{type.value}:{target._meta.label}:{target.pk}:{occurrence}")
        if occurrence
        else uuid.uuid4()
    )
    body = json.dumps(
        {
            "id": str(event_id),
            "type": type.value,
            "created_at": now.isoformat(),
            "data": payload_data(target),
        },
        cls=DjangoJSONEncoder,
        separators=(",", ":"),
    )
    WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                endpoint_id=pk, event_id=event_id, type=type.value, body=body, next_attempt_at=now
            )
            for pk in endpoints
        ],
        ignore_conflicts=True,
    )
    ids = list(
        WebhookDelivery.objects.filter(event_id=event_id, status=DeliveryStatus.PENDING).values_list(
            "pk", flat=True
        )
    )
    transaction.on_commit(lambda: webhook_deliveries_dispatch(ids))
    return len(ids)


def webhook_events_record_many(
    *, type: WebhookEvent, model: type[Any], rows: Sequence[tuple[int, int, str]]
) -> int:
    """`webhook_event_record` for a sweep: rows of (target id, organisation id, occurrence). One
    query finds which organisations have a subscriber (the usual answer is none, and then nothing
    else runs); only those rows' objects are loaded and serialised."""
    organizations = {organization for _, organization, _ in rows}
    if not organizations:
        return 0
    subscribed = WebhookEndpoint.objects.filter(events__contains=[WebhookEvent(type).value])
    reached = set(
        subscribed.filter(organization_id__in=organizations).values_list("organization_id", flat=True)
    )
    reached |= set(
        Partnership.objects.filter(
            customer_id__in=organizations, partner_id__in=subscribed.values("organization_id")
        ).values_list("customer_id", flat=True)
    )
    wanted = [row for row in rows if row[1] in reached]
    if not wanted:
        return 0
    targets = model.objects.in_bulk([pk for pk, _, _ in wanted])
    return sum(
        webhook_event_record(type=type, target=targets[pk], organization=organization, occurrence=occurrence)
        for pk, organization, occurrence in wanted
        if pk in targets
    )


def webhook_deliveries_dispatch(delivery_ids: Iterable[int]) -> None:
    """Hand deliveries to the worker; if the broker is down the sweep sends them later."""
    from webhooks.tasks import webhook_send

    for delivery_id in delivery_ids:
        try:
            webhook_send.delay(delivery_id)
        except Exception:  # kombu raises several types when Redis is unreachable
            logger.warning("Broker unreachable; webhook delivery %s stays in the outbox", delivery_id)
            return


# --- sending --------------------------------------------------------------------------------
def webhook_delivery_claim(*, delivery_id: int, now: dt.datetime) -> bool:
    """Compare-and-set: pending, due, and its endpoint active -> sending, with a lease. Exactly one
    of two workers racing for the same delivery gets True."""
    return bool(
        WebhookDelivery.objects.filter(
            pk=delivery_id,
            status=DeliveryStatus.PENDING,
            next_attempt_at__lte=now,
            # A subquery, not a join: with a join Django updates `pk IN (SELECT ...)`, and Postgres
            # re-checks the status of a row another worker just claimed only on the updated row's
            # own conditions, so both claims would succeed.
            endpoint_id__in=WebhookEndpoint.objects.filter(status=EndpointStatus.ACTIVE).values("pk"),
        ).update(status=DeliveryStatus.SENDING, claimed_until=now + LEASE, attempts=F("attempts") + 1)
    )


def webhook_delivery_send(*, delivery_id: int) -> bool:
    """Post one delivery if this call wins its claim; True when the endpoint answered 2xx."""
    now = timezone.now()
    if not webhook_delivery_claim(delivery_id=delivery_id, now=now):
        return False
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    timestamp = int(now.timestamp())
    header = signature_header(
        secrets_in_force=secrets_in_force(endpoint, now=now), timestamp=timestamp, body=delivery.body
    )
    result = webhook_post(
        url=endpoint.url,
        body=delivery.body,
        headers={
            HEADER: header,
            "Relicensing-Event-Id": str(delivery.event_id),
            "Relicensing-Event-Type": delivery.type,
        },
    )
    _attempt_record(
        delivery, delivered=result.delivered, response_code=result.response_code, error=result.error
    )
    return result.delivered


def _attempt_record(
    delivery: WebhookDelivery, *, delivered: bool, response_code: int | None, error: str
) -> None:
    now = timezone.now()
    first = delivery.first_attempt_at or now
    claimed = WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING)
    if delivered:
        claimed.update(
            status=DeliveryStatus.DELIVERED,
            delivered_at=now,
            response_code=response_code,
            last_error="",
            first_attempt_at=first,
            claimed_until=None,
            next_attempt_at=None,
        )
        WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(failing_since=None)
        return
    if now - first >= RETRY_FOR:
        claimed.update(
            status=DeliveryStatus.FAILED,
            response_code=response_code,
            last_error=error[:500],
            first_attempt_at=first,
            claimed_until=None,
            next_attempt_at=None,
        )
    else:
        delay = min(FIRST_RETRY * 2 ** max(delivery.attempts - 1, 0), LONGEST_RETRY)
        claimed.update(
            status=DeliveryStatus.PENDING,
            response_code=response_code,
            last_error=error[:500],
            first_attempt_at=first,
            claimed_until=None,
            next_attempt_at=now + delay,
        )
    logger.warning(
        "Webhook delivery %s not delivered (attempt %s): %s", delivery.pk, delivery.attempts, error
    )
    _endpoint_failure_note(delivery.endpoint_id, now=now)


def _endpoint_failure_note(endpoint_id: int, *, now: dt.datetime) -> None:
    """Remember when the endpoint began failing; a day of nothing but failures pauses it, and its
    administrators are told once (the pause is a compare-and-set from active)."""
    WebhookEndpoint.objects.filter(pk=endpoint_id, failing_since__isnull=True).update(failing_since=now)
    with transaction.atomic():
        paused = WebhookEndpoint.objects.filter(
            pk=endpoint_id, status=EndpointStatus.ACTIVE, failing_since__lte=now - PAUSE_AFTER
        ).update(status=EndpointStatus.PAUSED, paused_at=now)
        if paused:
            _owners_tell(WebhookEndpoint.objects.get(pk=endpoint_id))


def _owners_tell(endpoint: WebhookEndpoint) -> None:
    from notices.events import NoticeEvent
    from notices.services import notice_create

    admins = organization_administrators(organization_id=endpoint.organization_id)
    notice_create(
        event=NoticeEvent.WEBHOOK_ENDPOINT_PAUSED,
        occurrence=f"webhook-paused:{endpoint.pk}:{int(endpoint.paused_at.timestamp())}",  # type: ignore[union-attr]
        target=endpoint,
        recipients=admins,
        context={"url": endpoint.url, "paused_at": endpoint.paused_at.isoformat()},  # type: ignore[union-attr]
        link=f"/webhooks/{endpoint.pk}/",
    )
    logger.warning("Webhook endpoint %s paused after a day of failures", endpoint.pk)


def webhook_delivery_resend(*, actor: User, delivery: WebhookDelivery) -> WebhookDelivery:
    """A new attempt now, with a fresh day of retries (the receiver sees the same event id).
    409 while it is being sent, or while its endpoint is paused (resume it first)."""
    webhooks_manage_require(actor, delivery.endpoint.organization_id)
    if delivery.endpoint.status == EndpointStatus.PAUSED:
        raise Conflict("This endpoint is paused; resume it to send again.", code="endpoint_paused")
    now = timezone.now()
    resent = (
        WebhookDelivery.objects.filter(pk=delivery.pk)
        .exclude(status=DeliveryStatus.SENDING)
        .update(status=DeliveryStatus.PENDING, next_attempt_at=now, first_attempt_at=None, claimed_until=None)
    )
    if not resent:
        raise Conflict("This delivery is being sent right now.", code="delivery_in_progress")
    transaction.on_commit(lambda: webhook_deliveries_dispatch([delivery.pk]))
    delivery.refresh_from_db()
    return delivery


def webhooks_send_due(*, limit: int = 500) -> int:
    """Sweep: free the claims of workers that died mid-post, then hand the worker every delivery
    whose (next) attempt is due on an active endpoint."""
    now = timezone.now()
    WebhookDelivery.objects.filter(status=DeliveryStatus.SENDING, claimed_until__lt=now).update(
        status=DeliveryStatus.PENDING, claimed_until=None, next_attempt_at=now
    )
    due = list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now, endpoint__status=EndpointStatus.ACTIVE
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    webhook_deliveries_dispatch(due)
    return len(due)
