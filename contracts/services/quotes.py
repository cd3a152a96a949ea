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
from typing import Any, NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Max, Prefetch
from django.utils import timezone

from accounts.models import Organization, User
from accounts.permissions import action_require
from common.errors import Conflict, InvalidInput
from common.formats import day
from common.workflow import transition, transition_start, transitions_record, transitions_sweep
from contracts.choices import QuoteStatus, SkuKind
from contracts.models import Quote, QuoteLine, Sku
from contracts.pricing import PriceLine, lines_total, request_lines
from contracts.selectors import quote_issuer
from contracts.services.money import money_in_range
from notices.events import NoticeEvent
from notices.services import NoticeDraft, notice_create, notices_create_many
from relicensing.choices import REQUEST_WORKFLOW, ItemOutcome, RequestStatus
from relicensing.models import Request, RequestItem
from relicensing.services.lifecycle import (
    actor_context,
    request_lock,
    request_may_be_quoted,
    request_recipients,
    request_transition,
)
from relicensing.services.requests import request_chassis_check
from webhooks.choices import WebhookEvent
from webhooks.services import webhook_event_record, webhook_events_record_many

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
    webhook_event_record(
        type=WebhookEvent.QUOTE_ISSUED, target=quote, organization=request.customer_id, occurrence="issued"
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
    webhook_event_record(
        type=WebhookEvent.QUOTE_ACCEPTED,
        target=quote,
        organization=request.customer_id,
        occurrence="accepted",
    )
    return quote


# Quotes expired per transaction: a failure keeps the batches before it, and the locks are short.
EXPIRY_BATCH = 5000


def quotes_expire(*, today: dt.date | None = None) -> int:
    """Sweep: issued quotes past their date expire and their request goes back to submitted.

    Set-based, EXPIRY_BATCH quotes per transaction (a failure keeps the batches before it): the
    batch's requests are locked first (the lock order of common.workflow), then one guarded UPDATE
    moves the quotes and one the requests, each a compare-and-set on the old status and the date,
    so overlapping runs, or a run racing an acceptance, move each quote and each request once.
    The timeline rows and the notices are what `transition()` and `request_notify` write per row.
    """
    today = today or timezone.localdate()
    expired, after = 0, 0
    while True:
        with transaction.atomic():
            due = list(
                Quote.objects.filter(status=QuoteStatus.ISSUED, valid_until__lt=today, pk__gt=after)
                .order_by("pk")
                .values_list("pk", "request_id")[:EXPIRY_BATCH]
            )
            if not due:
                return expired
            after = due[-1][0]
            expired += _quotes_expire_batch(due, today)


def _quotes_expire_batch(due: list[tuple[int, int]], today: dt.date) -> int:
    requests_lock(sorted({request_id for _, request_id in due}))
    moved = transitions_sweep(
        Quote.objects.filter(valid_until__lt=today),
        ids=[quote_id for quote_id, _ in due],
        expected_from=QuoteStatus.ISSUED,
        to=QuoteStatus.EXPIRED,
        returning=("id", "request_id", "number", "valid_until", "total", "currency"),
    )
    quotes = {row[1]: _ExpiredQuote(*row) for row in moved}
    days = {valid_until: day(valid_until) for valid_until in {quote.valid_until for quote in quotes.values()}}
    reasons = {
        quote.pk: f"Quote {quote.number} expired on {days[quote.valid_until]}." for quote in quotes.values()
    }
    transitions_record(
        Quote, moved=list(reasons.items()), from_status=QuoteStatus.ISSUED, to_status=QuoteStatus.EXPIRED
    )
    back = transitions_sweep(
        Request.objects.all(),
        ids=list(quotes),
        expected_from=RequestStatus.QUOTED,
        to=RequestStatus.SUBMITTED,
        returning=("id", "number", "site_name", "customer_id"),
    )
    timeline = transitions_record(
        Request,
        moved=[(request_id, reasons[quotes[request_id].pk]) for request_id, *_ in back],
        from_status=RequestStatus.QUOTED,
        to_status=RequestStatus.SUBMITTED,
    )
    _expiry_notices(back, quotes=quotes, reasons=reasons, timeline=timeline)
    webhook_events_record_many(
        type=WebhookEvent.REQUEST_STATUS_CHANGED,
        model=Request,
        rows=[
            (request_id, customer_id, f"transition:{timeline[request_id]}")
            for request_id, _, _, customer_id in back
        ],
    )
    return len(moved)


class _ExpiredQuote(NamedTuple):
    """What the expiry's reason and notice say of a quote, as its UPDATE returned it (a model
    instance per row would cost more than the UPDATE)."""

    pk: int
    request_id: int
    number: str
    valid_until: dt.date
    total: Decimal
    currency: str


def requests_lock(request_ids: Sequence[int]) -> None:
    """Lock these requests, in id order (two sweeps lock in the same order, so never in a circle).
    The ids go as one array: a `pk__in` filter of thousands costs Django more than the lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM relicensing_request WHERE id = ANY(%s::bigint[]) ORDER BY id FOR UPDATE",
            [list(request_ids)],
        )


def _expiry_notices(
    back: list[tuple[Any, ...]],
    *,
    quotes: dict[int, _ExpiredQuote],
    reasons: dict[int, str],
    timeline: dict[int, int],
) -> None:
    """`request_notify`'s notice of each request sent back to submitted, in one insert."""
    event = REQUEST_WORKFLOW.notice_for(RequestStatus.QUOTED, RequestStatus.SUBMITTED)
    if event is None or not back:
        return
    customers = dict(Organization.objects.filter(pk__in={row[3] for row in back}).values_list("pk", "name"))
    recipients = {pk: request_recipients(Request(customer_id=pk)) for pk in customers}
    quote_type = ContentType.objects.get_for_model(Quote).pk
    status = REQUEST_WORKFLOW.label(RequestStatus.SUBMITTED)
    drafts = []
    for request_id, number, site_name, customer_id in back:
        quote = quotes[request_id]
        context = {
            "number": number,
            "customer": customers[customer_id],
            "site": site_name,
            "status": status,
            "reason": reasons[quote.pk],
            **actor_context(None),
            **_quote_context(quote),
        }
        drafts.append(
            NoticeDraft(
                event=NoticeEvent(event),
                occurrence=f"transition:{timeline[request_id]}",
                target_type_id=quote_type,
                target_id=quote.pk,
                recipients=recipients[customer_id],
                context=context,
                link=f"/requests/{request_id}/",
            )
        )
    notices_create_many(drafts, fresh=True)  # each occurrence names a transition row written just now


def _quote_context(quote: "Quote | _ExpiredQuote") -> dict[str, Any]:
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
