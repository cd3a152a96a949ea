"""Quotes: issued from the price book by the customer's partner or staff, accepted by the
customer or its partner, expired by a periodic sweep. Fees come from `contracts.pricing` only."""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from config.errors import Conflict
from contracts.choices import ADDON_KINDS, QuoteStatus, SkuKind
from contracts.models import Quote, QuoteLine, Sku
from contracts.pricing import PriceLine, chassis_lines, line_from_sku, lines_total
from relicensing.choices import RequestStatus
from relicensing.models import Request, RequestItem, Transition
from relicensing.services.lifecycle import request_notify, request_transition, transition_allowed


@transaction.atomic
def quote_issue(*, request: Request, user: User, addons: Sequence[dict[str, Any]] = ()) -> Quote:
    """Price every chassis (inspection, a year of support, the OS licence) plus the add-ons
    asked for, supersede the current quote, and move the request to `quoted`."""
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
    priced: list[tuple[RequestItem, PriceLine]] = []
    for item in items:
        product = item.equipment.product
        assert product is not None  # only eligible chassis, so known products, enter a request
        priced += [(item, line) for line in chassis_lines(product, skus=product.skus.all())]
    priced += _addon_lines(items, addons)
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


def _addon_lines(
    items: list[RequestItem], addons: Sequence[dict[str, Any]]
) -> list[tuple[RequestItem, PriceLine]]:
    """Add-on and subscription SKUs at list price, each for a chassis in the request that the
    SKU applies to. Errors name the field and the problem, row by row."""
    from django.core.exceptions import ValidationError

    by_registration = {item.registration_id: item for item in items}
    codes = {str(a.get("sku", "")).upper() for a in addons}
    skus = {s.code: s for s in Sku.objects.filter(code__in=codes).prefetch_related("products")}
    lines, errors = [], []
    for number, addon in enumerate(addons, start=1):
        item = by_registration.get(int(addon.get("equipment") or 0))
        sku = skus.get(str(addon.get("sku", "")).upper())
        quantity = addon.get("quantity", 1)
        if item is None:
            errors.append(f"Add-on {number}: equipment {addon.get('equipment')} is not in this request.")
        elif sku is None:
            errors.append(f"Add-on {number}: no SKU {addon.get('sku')} in the price book.")
        elif sku.kind not in ADDON_KINDS:
            errors.append(
                f"Add-on {number}: {sku.code} is a {SkuKind(sku.kind).label.lower()} fee, which every chassis "
                "already carries; add-ons are add-on licences and subscriptions."
            )
        elif item.equipment.product not in sku.products.all():
            errors.append(f"Add-on {number}: {sku.code} does not apply to {item.equipment.product}.")
        elif not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= 10_000:
            errors.append(f"Add-on {number}: quantity must be a whole number from 1 to 10,000.")
        else:
            lines.append((item, line_from_sku(sku, quantity=quantity)))
    if errors:
        raise ValidationError({"addons": errors})
    return lines


@transaction.atomic
def quote_accept(*, quote: Quote, user: User) -> Quote:
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
