"""Quotes: issued from the price book by the customer's partner or staff, accepted by the
customer or its partner, expired by a periodic sweep. Fees come from `contracts.pricing` only."""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from accounts.permissions import action_require
from config.errors import Conflict
from contracts.choices import QuoteStatus
from contracts.models import Quote, QuoteLine
from contracts.pricing import PriceLine, lines_total, request_lines
from relicensing.choices import RequestStatus
from relicensing.models import Request, RequestItem, Transition
from relicensing.services.lifecycle import request_notify, request_transition, transition_allowed


@transaction.atomic
def quote_issue(*, request: Request, user: User, addons: Sequence[dict[str, Any]] = ()) -> Quote:
    """Price every chassis (inspection, a year of support, the OS licence) plus the add-ons
    asked for, supersede the current quote, and move the request to `quoted`."""
    action_require(user, "quote_issue")
    request = Request.objects.select_for_update().select_related("vendor").get(pk=request.pk)
    if request.status not in (RequestStatus.SUBMITTED, RequestStatus.QUOTED):
        raise Conflict(
            f"Request {request.number} is {request.get_status_display().lower()}; quotes are issued "
            "while it is submitted or quoted.",
            code="invalid_transition",
            status=request.status,
        )
    items = list(
        request.items.select_related("equipment__product").prefetch_related("equipment__product__skus")
    )
    priced = request_lines(items, addons)
    lines = [line for _, line in priced]
    previous = request.quotes.filter(status=QuoteStatus.ISSUED)
    previous_numbers = list(previous.values_list("number", flat=True))
    previous.update(status=QuoteStatus.SUPERSEDED)
    revision = (request.quotes.aggregate(n=Max("revision"))["n"] or 0) + 1
    quote = Quote.objects.create(
        request=request,
        number=f"Q-{request.number.removeprefix('RQ-')}-{revision}",
        revision=revision,
        currency=lines[0].currency,
        total=lines_total(lines),
        valid_until=timezone.localdate() + dt.timedelta(days=request.vendor.quote_valid_days),
        issued_by=user,
    )
    _quote_lines_create(quote, priced)
    reason = f"Quote {quote.number} issued" + (
        f", superseding {', '.join(previous_numbers)}" if previous_numbers else ""
    )
    request_transition(
        request=request,
        to=RequestStatus.QUOTED,
        actor=user,
        reason=reason + ".",
        notice="quote_issued",
        notice_context=_quote_context(quote),
        notice_target=quote,
    )
    return quote


def _quote_lines_create(quote: Quote, priced: list[tuple[RequestItem, PriceLine]]) -> None:
    QuoteLine.objects.bulk_create(
        [
            QuoteLine(
                quote=quote,
                position=position,
                sku=line.sku,
                kind=line.kind,
                description=line.description,
                equipment=item.equipment,
                serial_number=item.equipment.serial_number,
                quantity=line.quantity,
                unit_price=line.unit_price,
                amount=line.amount,
                non_refundable=line.non_refundable,
            )
            for position, (item, line) in enumerate(priced, start=1)
        ]
    )


@transaction.atomic
def quote_accept(*, quote: Quote, user: User) -> Quote:
    action_require(user, "quote_accept")
    quote = Quote.objects.select_for_update().select_related("request").get(pk=quote.pk)
    if quote.status == QuoteStatus.ISSUED and quote.valid_until < timezone.localdate():
        raise Conflict(
            f"Quote {quote.number} expired on {quote.valid_until:%Y-%m-%d}; ask your partner for a new one.",
            code="quote_expired",
        )
    if quote.status != QuoteStatus.ISSUED:
        raise Conflict(
            f"Quote {quote.number} is {quote.get_status_display().lower()}; only the current issued quote "
            "can be accepted.",
            code="invalid_transition",
            status=quote.status,
        )
    quote.status, quote.accepted_by, quote.accepted_at = QuoteStatus.ACCEPTED, user, timezone.now()
    quote.save(update_fields=["status", "accepted_by", "accepted_at"])
    request_transition(
        request=quote.request,
        to=RequestStatus.QUOTE_ACCEPTED,
        actor=user,
        reason=f"Quote {quote.number} accepted.",
        notice="quote_accepted",
        notice_context=_quote_context(quote),
        notice_target=quote,
    )
    return quote


def quotes_expire(*, today: dt.date | None = None) -> int:
    """Sweep: issued quotes past their date expire and their request goes back to submitted.

    One guarded UPDATE claims the quotes, and the request moves by compare-and-set on its old
    status, so overlapping runs (or a run twice) expire each quote and move each request once.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        expired = list(
            Quote.objects.filter(status=QuoteStatus.ISSUED, valid_until__lt=today)
            .select_for_update(skip_locked=True)
            .select_related("request")
        )
        Quote.objects.filter(pk__in=[q.pk for q in expired]).update(status=QuoteStatus.EXPIRED)
        assert transition_allowed(RequestStatus.QUOTED, RequestStatus.SUBMITTED)
        for quote in expired:
            moved = Request.objects.filter(pk=quote.request_id, status=RequestStatus.QUOTED).update(
                status=RequestStatus.SUBMITTED, updated_at=timezone.now()
            )
            if moved:
                Transition.objects.create(
                    request_id=quote.request_id,
                    from_status=RequestStatus.QUOTED,
                    to_status=RequestStatus.SUBMITTED,
                    actor=None,
                    reason=f"Quote {quote.number} expired on {quote.valid_until:%Y-%m-%d}.",
                )
                request_notify(
                    request=quote.request, event="quote_expired", context=_quote_context(quote), target=quote
                )
    return len(expired)


def _quote_context(quote: Quote) -> dict[str, Any]:
    return {
        "quote_number": quote.number,
        "total": f"{quote.total:,.2f}",
        "currency": quote.currency,
        "valid_until": quote.valid_until.isoformat(),
    }
