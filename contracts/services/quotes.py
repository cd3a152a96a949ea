"""Quotes: issued from the price book by the customer's partner or staff, accepted by the
customer or its partner, expired by a periodic sweep. Fees come from `contracts.pricing` only.

Every service here locks the request before its quotes (the lock order of common.workflow), and
moves statuses through the workflow engine: the quote's own (QUOTE_WORKFLOW) and the request's.
"""

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max, Prefetch
from django.utils import timezone

from accounts.models import User
from accounts.permissions import action_require
from common.errors import Conflict, InvalidInput
from common.formats import day
from common.workflow import transition, transition_start
from contracts.choices import QuoteStatus, SkuKind
from contracts.models import Quote, QuoteLine, Sku
from contracts.pricing import PriceLine, lines_total, request_lines
from contracts.selectors import quote_issuer
from contracts.services.money import money_in_range
from notices.events import NoticeEvent
from notices.services import notice_create
from relicensing.choices import ItemOutcome, RequestStatus
from relicensing.models import Request, RequestItem
from relicensing.services.lifecycle import (
    request_lock,
    request_may_be_quoted,
    request_recipients,
    request_transition,
)
from relicensing.services.requests import request_chassis_check

# The columns' sizes, read from the model so the rule and the table cannot disagree.
REFERENCE_MAX_LENGTH: int = Quote._meta.get_field("reference").max_length  # type: ignore[assignment]
NOTE_MAX_LENGTH: int = Quote._meta.get_field("note").max_length  # type: ignore[assignment]


def quote_remarks_clean(*, reference: str, note: str) -> tuple[str, str]:
    """The issuer's own reference (one line) and note to the customer (plain text), trimmed and
    with line breaks made one kind, or InvalidInput keyed by field. The quote builder's form calls
    this too, so a preview refuses what issuing would refuse."""
    reference = reference.strip()
    # Browsers send a textarea's line breaks as CRLF; counted as one character each, as typed.
    note = note.replace("\r\n", "\n").replace("\r", "\n").strip()
    errors: dict[str, list[str]] = {}
    if len(reference) > REFERENCE_MAX_LENGTH:
        errors["reference"] = [
            f"A reference is at most {REFERENCE_MAX_LENGTH} characters; this one has {len(reference)}."
        ]
    elif _has_control_characters(reference, allowed=""):
        errors["reference"] = [
            "A reference is one line of text, without line breaks, tabs or control characters."
        ]
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = [f"A note is at most {NOTE_MAX_LENGTH} characters; this one has {len(note)}."]
    elif _has_control_characters(note, allowed="\n\t"):
        errors["note"] = ["A note is plain text: words and line breaks, without control characters."]
    if errors:
        raise InvalidInput(errors)
    return reference, note


def _has_control_characters(text: str, *, allowed: str) -> bool:
    # Control characters (NUL above all, which Postgres refuses) have no place in printed text;
    # other invisible characters (no-break spaces, joiners) are legitimate in names and scripts.
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)


@transaction.atomic
def quote_issue(
    *,
    request: Request,
    user: User,
    addons: Sequence[dict[str, Any]] = (),
    reference: str = "",
    note: str = "",
) -> Quote:
    """Price every chassis (inspection, a year of support, the OS licence) plus the add-ons
    asked for, supersede the current quote, and move the request to `quoted`.

    `reference` and `note` are the issuer's words on the quote (its own reference, a note to the
    customer); they never touch a price."""
    action_require(user, "quote_issue", request)
    reference, note = quote_remarks_clean(reference=reference, note=note)
    request = request_lock(request.pk)
    if not request_may_be_quoted(request):
        raise Conflict(
            f"Request {request.number} is {request.get_status_display().lower()}; quotes are issued "
            "while it is submitted or quoted.",
            code="invalid_transition",
            status=request.status,
        )
    previous = list(request.quotes.filter(status=QuoteStatus.ISSUED).select_for_update().order_by("pk"))
    request_chassis_check(request=request, decision="Issuing a quote")
    items = list(
        request.items.select_related("equipment__product").prefetch_related(
            Prefetch("equipment__product__skus", queryset=Sku.objects.with_revision())
        )
    )
    priced = request_lines(items, addons)
    lines = [line for _, line in priced]
    money_in_range([*(line.amount for line in lines), lines_total(lines)], what="quote")
    revision = (request.quotes.aggregate(n=Max("revision"))["n"] or 0) + 1
    number = f"Q-{request.number.removeprefix('RQ-')}-{revision}"
    for old in previous:
        transition(old, to=QuoteStatus.SUPERSEDED, actor=user, reason=f"Superseded by {number}.")
    quote = Quote.objects.create(
        request=request,
        number=number,
        revision=revision,
        currency=lines[0].currency,
        total=lines_total(lines),
        valid_until=timezone.localdate() + dt.timedelta(days=request.vendor.quote_valid_days),
        issued_by=user,
        issuer=asdict(quote_issuer(issued_by=user, vendor=request.vendor)),  # frozen: the document's own
        reference=reference,
        note=note,
    )
    transition_start(quote, actor=user)
    _quote_lines_create(quote, priced)
    superseding = f", superseding {', '.join(q.number for q in previous)}" if previous else ""
    request_transition(
        request=request,
        to=RequestStatus.QUOTED,
        actor=user,
        reason=f"Quote {quote.number} issued{superseding}.",
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
                sku_revision_id=line.sku_revision,
            )
            for position, (item, line) in enumerate(priced, start=1)
        ]
    )


@transaction.atomic
def quote_accept(*, quote: Quote, user: User) -> Quote:
    action_require(user, "quote_accept", quote)
    request = request_lock(quote.request_id)  # the request first, then the quote
    quote = Quote.objects.select_for_update().get(pk=quote.pk)
    if quote.status == QuoteStatus.ISSUED and quote.valid_until < timezone.localdate():
        raise Conflict(
            f"Quote {quote.number} expired on {day(quote.valid_until)}; ask your partner for a new one.",
            code="quote_expired",
        )
    if quote.status != QuoteStatus.ISSUED:
        raise Conflict(
            f"Quote {quote.number} is {quote.get_status_display().lower()}; only the current issued quote "
            "can be accepted.",
            code="invalid_transition",
            status=quote.status,
        )
    request_chassis_check(request=request, decision="Accepting the quote")  # fees are non-refundable
    Quote.objects.filter(pk=quote.pk).update(accepted_by=user, accepted_at=timezone.now())
    transition(quote, to=QuoteStatus.ACCEPTED, actor=user)
    request_transition(
        request=request,
        to=RequestStatus.QUOTE_ACCEPTED,
        actor=user,
        reason=f"Quote {quote.number} accepted.",
        notice_context=_quote_context(quote),
        notice_target=quote,
    )
    quote.refresh_from_db()
    return quote


def quotes_expire(*, today: dt.date | None = None) -> int:
    """Sweep: issued quotes past their date expire and their request goes back to submitted.

    Each quote in its own transaction (a failure keeps those before it), the request locked
    before the quote, and both moves compare-and-set on the old status: overlapping runs, or a
    run racing an acceptance, move each quote and each request once.
    """
    today = today or timezone.localdate()
    due = Quote.objects.filter(status=QuoteStatus.ISSUED, valid_until__lt=today).values_list(
        "pk", "request_id"
    )
    expired = 0
    for quote_id, request_id in list(due):
        with transaction.atomic():
            request = request_lock(request_id)
            quote = Quote.objects.select_for_update().get(pk=quote_id)
            if quote.valid_until >= today:
                continue
            reason = f"Quote {quote.number} expired on {day(quote.valid_until)}."
            if (
                transition(quote, to=QuoteStatus.EXPIRED, expected_from=QuoteStatus.ISSUED, reason=reason)
                is None
            ):
                continue  # accepted, superseded or withdrawn meanwhile
            request_transition(
                request=request,
                to=RequestStatus.SUBMITTED,
                actor=None,
                reason=reason,
                expected_from=RequestStatus.QUOTED,
                notice_context=_quote_context(quote),
                notice_target=quote,
            )
            expired += 1
    return expired


def _quote_context(quote: Quote) -> dict[str, Any]:
    return {
        "quote_number": quote.number,
        "total": str(quote.total),
        "currency": quote.currency,
        "valid_until": quote.valid_until.isoformat(),
    }


def quote_finalise(*, request: Request, reason: str) -> Quote:
    """After inspection (and after each correction of its results): the final quote, a new
    revision that supersedes the one in force. Built from the quote the customer accepted, at its
    prices: a chassis that passed keeps every line, one that failed only its inspection fee
    (owed either way). It stands accepted, as the customer agreed to these terms when accepting;
    a purchase order must cover its total. The caller holds the request's lock."""
    current = request.quotes.select_for_update().get(status=QuoteStatus.ACCEPTED)
    agreed = (
        request.quotes.filter(accepted_at__isnull=False, is_final=False).order_by("-revision").first()
        or current
    )
    failed = set(request.items.filter(outcome=ItemOutcome.FAILED).values_list("equipment_id", flat=True))
    kept = [
        line
        for line in agreed.lines.all()
        if line.equipment_id not in failed or line.kind == SkuKind.INSPECTION
    ]
    revision = (request.quotes.aggregate(n=Max("revision"))["n"] or 0) + 1
    number = f"Q-{request.number.removeprefix('RQ-')}-{revision}"
    transition(current, to=QuoteStatus.SUPERSEDED, reason=f"Superseded by the final quote {number}.")
    final = Quote.objects.create(
        request=request,
        number=number,
        revision=revision,
        currency=agreed.currency,
        total=sum((line.amount for line in kept), Decimal("0.00")),
        valid_until=agreed.valid_until,
        issued_by=agreed.issued_by,
        issuer=agreed.issuer,
        reference=agreed.reference,
        note=agreed.note,
        accepted_by=agreed.accepted_by,
        accepted_at=timezone.now(),
        is_final=True,
    )
    transition_start(final, reason=reason)
    QuoteLine.objects.bulk_create(
        [
            QuoteLine(
                quote=final,
                position=position,
                **{f: getattr(line, f) for f in _LINE_COPIED},
            )
            for position, line in enumerate(kept, start=1)
        ]
    )
    transition(
        final, to=QuoteStatus.ACCEPTED, reason=f"Final after inspection; {agreed.number} was accepted."
    )
    notice_create(
        event=NoticeEvent.FINAL_QUOTE_ISSUED,
        occurrence=f"quote:{final.pk}:final",
        target=final,
        recipients=request_recipients(request),
        context={
            "number": request.number,
            "customer": request.customer.name,
            "site": request.site_name,
            **_quote_context(final),
            "agreed_number": agreed.number,
            "agreed_total": str(agreed.total),
            "failed": len(failed),
            "reason": reason,
        },
        link=f"/quotes/{final.pk}/",
    )
    return final


_LINE_COPIED = (
    "sku",
    "kind",
    "description",
    "equipment_id",
    "serial_number",
    "quantity",
    "unit_price",
    "amount",
    "non_refundable",
    "sku_revision_id",  # the final quote keeps the accepted quote's prices, so their price-book state
)
