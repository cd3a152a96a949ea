"""Quotes: issued from the price book by the customer's partner or staff, accepted by the
customer or its partner, expired by a periodic sweep. Fees come from `contracts.pricing` only.

Every service here locks the request before its quotes (the lock order of common.workflow), and
moves statuses through the workflow engine: the quote's own (QUOTE_WORKFLOW) and the request's.
"""

import datetime as dt
import json
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Max, Prefetch
from django.utils import timezone

from accounts.models import User
from accounts.permissions import action_require
from common.arrays import ids_array
from common.errors import Conflict, InvalidInput
from common.formats import day
from common.workflow import transition, transition_start, transitions_sweep_check
from contracts.choices import QuoteStatus, SkuKind
from contracts.models import Quote, QuoteLine, Sku
from contracts.pricing import PriceLine, lines_total, request_lines
from contracts.selectors import quote_issuer
from contracts.services.money import money_in_range
from notices.events import NoticeEvent
from notices.services import SWEEP_GRACE, notice_create, notices_dispatch_many, people_columns
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
    batch's requests are locked first (the lock order of common.workflow), then one statement
    moves the quotes and their requests, each by a compare-and-set on the old status (and the
    quote's date), so overlapping runs, or a run racing an acceptance, move each quote and each
    request once. It writes the timeline rows and the notices `transition()` and
    `request_notify` write per row.
    """
    today = today or timezone.localdate()
    expired, after = 0, 0
    while True:
        with transaction.atomic():
            due = list(
                Quote.objects.filter(status=QuoteStatus.ISSUED, valid_until__lt=today, pk__gt=after)
                .order_by("pk")
                .values_list("pk", "request_id", "request__customer_id")[:EXPIRY_BATCH]
            )
            if not due:
                return expired
            after = due[-1][0]
            expired += _quotes_expire_batch(due, today)


def _quotes_expire_batch(due: list[tuple[int, int, int]], today: dt.date) -> int:
    requests_lock(sorted({request_id for _, request_id, _ in due}))
    return quotes_expiry_write(due=due, today=today)


def requests_lock(request_ids: Sequence[int]) -> None:
    """Lock these requests, in id order (two sweeps lock in the same order, so never in a circle).
    The ids go as one array literal (common.arrays): a `pk__in` filter of thousands costs Django
    more than the lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM relicensing_request WHERE id = ANY(%s::bigint[]) ORDER BY id FOR UPDATE",
            [ids_array(request_ids)],
        )


# One statement per batch, so no row of it passes through Python (which cost as much as the
# UPDATEs). Each UPDATE's status condition sits on the row itself: Postgres checks it again on a
# row changed since the statement's snapshot (an acceptance that held the request's lock), so
# `quotes` and `requests` hold only the rows this run moved. The reason is `day()`'s "j M Y"
# (4 Dec 2026); the notice's context is `_quote_context` and the request's part of
# `request_notify`'s, with the fixed keys (status, actor) passed in. The requests are named by id
# as well as by their quotes, so they are found by primary key, not by a scan of every quoted one.
# Each request's notice context is built once (`contexts`, materialised) and shared by its
# recipients' notices: built per notice, the JSON cost a tenth of the sweep.
_EXPIRY_SQL = """
WITH quotes AS (
    UPDATE contracts_quote q SET status = %(quote_to)s
    WHERE q.id = ANY(%(ids)s::bigint[]) AND q.valid_until < %(today)s AND q.status = %(quote_from)s
    RETURNING q.id, q.request_id, q.number, q.total, q.currency, q.valid_until,
        'Quote ' || q.number || ' expired on ' || to_char(q.valid_until, 'FMDD Mon YYYY') || '.' AS reason
), quote_timeline AS (
    INSERT INTO common_transition (target_type_id, target_id, from_status, to_status, actor_id, reason, at)
    SELECT %(quote_type)s, quotes.id, %(quote_from)s, %(quote_to)s, NULL, quotes.reason, %(now)s FROM quotes
), requests AS (
    UPDATE relicensing_request r SET status = %(request_to)s, updated_at = %(now)s
    FROM quotes WHERE r.id = ANY(%(request_ids)s::bigint[]) AND r.id = quotes.request_id
        AND r.status = %(request_from)s
    RETURNING r.id, r.number, r.site_name, r.customer_id, quotes.id AS quote_id, quotes.number AS quote_number,
        quotes.total, quotes.currency, quotes.valid_until, quotes.reason
), request_timeline AS (
    INSERT INTO common_transition (target_type_id, target_id, from_status, to_status, actor_id, reason, at)
    SELECT %(request_type)s, requests.id, %(request_from)s, %(request_to)s, NULL, requests.reason, %(now)s
    FROM requests
    RETURNING id, target_id
), contexts AS MATERIALIZED (
    SELECT rq.id, rq.quote_id, rq.customer_id, 'transition:' || t.id AS occurrence,
        %(fixed)s::jsonb || jsonb_build_object(
            'number', rq.number, 'customer', o.name, 'site', rq.site_name, 'reason', rq.reason,
            'quote_number', rq.quote_number, 'total', rq.total::text, 'currency', rq.currency,
            'valid_until', to_char(rq.valid_until, 'YYYY-MM-DD')) AS context
    FROM request_timeline t
    JOIN requests rq ON rq.id = t.target_id
    JOIN accounts_organization o ON o.id = rq.customer_id
), written AS (
    INSERT INTO notices_notice (event, occurrence, target_type_id, target_id, recipient_id, to_email,
        context, link, attachments, created_at, attempts, next_attempt_at, last_error)
    SELECT %(event)s, c.occurrence, %(quote_type)s, c.quote_id, people.recipient_id, people.to_email,
        c.context, '/requests/' || c.id || '/', '[]'::jsonb, %(now)s, 0, %(due)s, ''
    FROM contexts c
    JOIN unnest(%(people_customer)s::bigint[], %(recipient_id)s::bigint[], %(to_email)s::text[])
        AS people(customer_id, recipient_id, to_email) ON people.customer_id = c.customer_id
    WHERE %(event)s <> ''
    RETURNING id, to_email
)
SELECT (SELECT count(*) FROM quotes), ARRAY(SELECT id FROM written WHERE to_email <> '' ORDER BY id),
    ARRAY(SELECT ARRAY[rq.id, rq.customer_id, t.id] FROM request_timeline t JOIN requests rq ON rq.id = t.target_id)
"""


def quotes_expiry_write(*, due: list[tuple[int, int, int]], today: dt.date) -> int:
    """Expire these quotes (id, request id, customer id; their requests locked by the caller) where still issued and due, send
    their requests back to submitted where still quoted, and write the timeline rows and the
    `quote_expired` notices, each notice's occurrence the request's new timeline row (so `fresh`:
    no earlier run wrote it). The notices go to the worker after commit. Returns quotes expired."""
    transitions_sweep_check(Quote, expected_from=QuoteStatus.ISSUED, to=QuoteStatus.EXPIRED)
    transitions_sweep_check(Request, expected_from=RequestStatus.QUOTED, to=RequestStatus.SUBMITTED)
    people = people_columns(
        (
            (customer_id, request_recipients(Request(customer_id=customer_id)))
            for customer_id in sorted({customer_id for _, _, customer_id in due})
        ),
        key="people_customer",
    )
    types = ContentType.objects.get_for_models(Quote, Request)
    now = timezone.now()
    params: dict[str, Any] = {
        "ids": ids_array(quote_id for quote_id, _, _ in due),
        "request_ids": ids_array(request_id for _, request_id, _ in due),
        "today": today,
        "now": now,
        "due": now + SWEEP_GRACE,
        "quote_from": QuoteStatus.ISSUED.value,
        "quote_to": QuoteStatus.EXPIRED.value,
        "request_from": RequestStatus.QUOTED.value,
        "request_to": RequestStatus.SUBMITTED.value,
        "quote_type": types[Quote].pk,
        "request_type": types[Request].pk,
        "event": REQUEST_WORKFLOW.notice_for(RequestStatus.QUOTED, RequestStatus.SUBMITTED) or "",
        "fixed": json.dumps(
            {"status": REQUEST_WORKFLOW.label(RequestStatus.SUBMITTED), **actor_context(None)}
        ),
        **people,
    }
    with connection.cursor() as cursor:
        cursor.execute(_EXPIRY_SQL, params)
        expired, notice_ids, moved = cursor.fetchone()
    transaction.on_commit(lambda: notices_dispatch_many(notice_ids))
    # Each request sent back to submitted, to the webhooks subscribed to its moves (the timeline
    # row is the event's occurrence, as `transition()` makes it for a move one at a time).
    webhook_events_record_many(
        type=WebhookEvent.REQUEST_STATUS_CHANGED,
        model=Request,
        rows=[
            (request_id, customer_id, f"transition:{timeline_id}")
            for request_id, customer_id, timeline_id in moved
        ],
    )
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
