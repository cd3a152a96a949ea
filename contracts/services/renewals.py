"""Renewals of service contracts: the renewal quote (one more year from the price book, with
back-support after the vendor's grace period), its order and staff approval, the reminders at the
vendor's tiers, and the sweep that records a contract's expiry at its end date.

Dates. A contract's `ends_on` is its last covered day, and a year of coverage is COVERAGE (365
days, as at reinstatement). The renewal date is the day the renewal is quoted. The lapse is the
number of days without cover before it: the days from the day after the old end to the day before
the renewal date, so renewing on or before the day after the end is no lapse at all. By the
vendor's policy (DOMAIN.md, "Lapsed support"):
- a lapse of at most `renewal_grace_days` (renewed before the end, or within the grace period):
  the new year runs on from the old end, old `ends_on` + 1 day to old `ends_on` + 365 days
  (co-terminous: no gap, no overlap), and no back-support;
- a longer lapse, of at most `reinspection_after_days`: the lapsed days are paid as back-support,
  prorated from the support-year SKU, and the new year starts on the renewal date; the back-support
  days and the new year together continue the old coverage without a gap or an overlap;
- a longer lapse still: 409 `reinspection_required`, a new relicensing request.

Locks, in the order of common.workflow: the contract first, then its renewal quotes.
"""

import datetime as dt
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from accounts.permissions import action_require
from common import locks
from common.errors import Conflict, DomainError, InvalidInput, NotPermitted
from common.formats import day, money
from common.workflow import transition, transition_start, transitions_record, transitions_sweep
from contracts.choices import ContractEventKind, RenewalLineKind, RenewalQuoteStatus, SkuKind
from contracts.models import (
    Contract,
    ContractEvent,
    ContractExpiry,
    ContractLine,
    RenewalQuote,
    RenewalQuoteLine,
    Sku,
)
from contracts.pricing import CENT
from contracts.services.money import money_in_range
from contracts.services.orders import order_amount
from contracts.services.reinstatement import COVERAGE
from notices.events import NoticeEvent
from notices.services import NoticeDraft, notice_create, notices_create_many
from relicensing.models import Vendor
from webhooks.choices import WebhookEvent
from webhooks.services import webhook_events_record_many

ONE_DAY = dt.timedelta(days=1)
PO_NUMBER_MAX = 64


class Phase:
    BEFORE_END = "before_end"  # not ended yet: renew before the end for no gap
    GRACE = "grace"  # ended, within the grace period: still co-terminous, no back-support
    BACK_SUPPORT = "back_support"  # past the grace period: the lapsed days are paid


@dataclass(frozen=True)
class RenewalTerms:
    renewal_date: dt.date
    old_ends_on: dt.date
    starts_on: dt.date
    ends_on: dt.date
    lapsed_days: int  # days charged as back-support (0 unless `phase` is BACK_SUPPORT)
    phase: str
    last_day_same_terms: dt.date  # after this day the terms change (grace ends, a day more lapses)


def contract_vendor(contract: Contract) -> Vendor:
    """The vendor of the chassis on the contract (a contract covers one vendor's equipment)."""
    return Vendor.objects.filter(pk__in=contract.lines.values("equipment__vendor")).first() or Vendor()


def grace_last_day(ends_on: dt.date, vendor: Vendor) -> dt.date:
    """The last renewal date without back-support: a lapse of `renewal_grace_days`."""
    return ends_on + dt.timedelta(days=vendor.renewal_grace_days + 1)


def renewal_last_day(ends_on: dt.date, vendor: Vendor) -> dt.date:
    """The last renewal date at all: a lapse of `reinspection_after_days`."""
    return ends_on + dt.timedelta(days=vendor.reinspection_after_days + 1)


def renewal_terms(*, ends_on: dt.date, vendor: Vendor, today: dt.date) -> RenewalTerms:
    """The dates of a renewal quoted on `today`; 409 `reinspection_required` past the threshold."""
    lapse = max(0, (today - ends_on).days - 1)
    if lapse > vendor.reinspection_after_days:
        raise Conflict(
            f"The contract ended on {day(ends_on)}, {lapse} days without cover: more than the "
            f"{vendor.reinspection_after_days} days {vendor.name} allows. The chassis must be inspected "
            "again through a new relicensing request.",
            code="reinspection_required",
            ended_on=ends_on.isoformat(),
            lapsed_days=lapse,
            reinspection_after_days=vendor.reinspection_after_days,
        )
    if lapse <= vendor.renewal_grace_days:
        return RenewalTerms(
            renewal_date=today,
            old_ends_on=ends_on,
            starts_on=ends_on + ONE_DAY,
            ends_on=ends_on + COVERAGE,
            lapsed_days=0,
            phase=Phase.BEFORE_END if today <= ends_on else Phase.GRACE,
            last_day_same_terms=ends_on if today <= ends_on else grace_last_day(ends_on, vendor),
        )
    return RenewalTerms(
        renewal_date=today,
        old_ends_on=ends_on,
        starts_on=today,
        ends_on=today + COVERAGE - ONE_DAY,
        lapsed_days=lapse,
        phase=Phase.BACK_SUPPORT,
        last_day_same_terms=today,
    )


def back_support_amount(year_price: Decimal, days: int) -> Decimal:
    """Back-support for `days` lapsed days, prorated from one year's support price:
    price * days / 365, divided in Decimal (28 significant digits) and rounded once, half-up to
    the cent: 437.00 * 120 / 365 = 143.6712... -> 143.67; a third decimal of exactly 5 rounds up
    (and 1.00 * 73 / 365 = 0.20 exactly)."""
    exact = year_price * days / Decimal(COVERAGE.days)
    return exact.quantize(CENT, rounding=ROUND_HALF_UP)


def _covered_lines(contract: Contract) -> list[ContractLine]:
    return list(
        contract.lines.filter(equipment__retired="")
        .select_related("equipment__product")
        .order_by("equipment__serial_number")
    )


def _support_year_skus(lines: list[ContractLine]) -> dict[int, Sku]:
    products = {line.equipment.product_id for line in lines}
    skus = Sku.objects.filter(kind=SkuKind.SUPPORT_YEAR, applies_to__product__in=products).values_list(
        "applies_to__product", "pk"
    )
    by_pk = {s.pk: s for s in Sku.objects.with_revision().filter(pk__in=[pk for _, pk in skus])}
    found = {product: by_pk[pk] for product, pk in skus}
    missing = sorted(str(line.equipment.product) for line in lines if line.equipment.product_id not in found)
    if missing:
        raise DomainError(
            f"{', '.join(dict.fromkeys(missing))} cannot be priced: the price book has no one-year "
            "support SKU for it.",
            code="missing_sku",
            products=list(dict.fromkeys(missing)),
            kinds=[SkuKind.SUPPORT_YEAR.value],
        )
    return found


def renewal_lines(contract: Contract, terms: RenewalTerms) -> list[RenewalQuoteLine]:
    """Per chassis still covered: one year of support, and back-support for the lapsed days."""
    lines = _covered_lines(contract)
    if not lines:
        raise Conflict(f"Contract {contract.number} covers no chassis any more.", code="nothing_to_renew")
    skus = _support_year_skus(lines)
    priced: list[RenewalQuoteLine] = []
    for line in lines:
        unit = line.equipment
        sku = skus[unit.product_id or 0]  # _support_year_skus refused units of no known product
        common = {
            "sku": sku.code,
            "sku_revision_id": sku.revision,  # type: ignore[attr-defined]  # with_revision()
            "equipment": unit,
            "serial_number": unit.serial_number,
        }
        priced.append(
            RenewalQuoteLine(
                kind=RenewalLineKind.SUPPORT_YEAR,
                description=f"{sku.description}: {day(terms.starts_on)} to {day(terms.ends_on)}",
                days=COVERAGE.days,
                unit_price=sku.price,
                amount=sku.price,
                **common,
            )
        )
        if terms.lapsed_days:
            priced.append(
                RenewalQuoteLine(
                    kind=RenewalLineKind.BACK_SUPPORT,
                    description=f"Back-support, {terms.lapsed_days} lapsed days: "
                    f"{day(terms.old_ends_on + ONE_DAY)} to {day(terms.starts_on - ONE_DAY)}",
                    days=terms.lapsed_days,
                    unit_price=sku.price,
                    amount=back_support_amount(sku.price, terms.lapsed_days),
                    **common,
                )
            )
    if len({skus[line.equipment.product_id or 0].currency for line in lines}) > 1:
        raise DomainError("Lines in different currencies cannot be added up.", code="mixed_currency")
    return priced


def contract_lock(contract_id: int) -> Contract:
    return Contract.objects.select_for_update().get(pk=contract_id)


def contracts_lock(contract_ids: Sequence[int]) -> None:
    """Lock these contracts, in id order (two sweeps lock in the same order, so never in a circle).
    The ids go as one array: a `pk__in` filter of thousands costs Django more than the lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM contracts_contract WHERE id = ANY(%s::bigint[]) ORDER BY id FOR UPDATE",
            [list(contract_ids)],
        )


# Rows per transaction in the sweeps: a failure keeps the batches before it, and locks stay short.
SWEEP_BATCH = 5000


@transaction.atomic
def renewal_quote_issue(*, contract: Contract, user: User, today: dt.date | None = None) -> RenewalQuote:
    """A renewal quote for one more year (the owner's partner or staff). Supersedes an issued one;
    409 while one is ordered and awaits approval."""
    action_require(user, "renewal_quote_issue", contract)
    contract = contract_lock(contract.pk)  # issues of one contract queue here: one revision each
    today = today or timezone.localdate()
    vendor = contract_vendor(contract)
    terms = renewal_terms(ends_on=contract.ends_on, vendor=vendor, today=today)
    lines = renewal_lines(contract, terms)
    open_quotes = list(
        RenewalQuote.objects.filter(
            contract=contract, status__in=[RenewalQuoteStatus.ISSUED, RenewalQuoteStatus.ORDERED]
        ).order_by("pk")
    )
    for previous in open_quotes:
        if previous.status == RenewalQuoteStatus.ORDERED:
            raise Conflict(
                f"Renewal quote {previous.number} is ordered and awaits approval; a new one follows it.",
                code="invalid_transition",
                status=previous.status,
            )
        transition(previous, to=RenewalQuoteStatus.SUPERSEDED, actor=user, reason="A new renewal quote.")
    revision = (contract.renewal_quotes.aggregate(n=Max("revision"))["n"] or 0) + 1
    currency = Sku.objects.filter(code=lines[0].sku).values_list("currency", flat=True).get()
    total = sum((line.amount for line in lines), Decimal("0.00"))
    money_in_range([*(line.amount for line in lines), total], what="renewal quote")
    quote = RenewalQuote.objects.create(
        contract=contract,
        number=f"{contract.number}-R{revision}",
        revision=revision,
        currency=currency,
        total=total,
        renewal_date=terms.renewal_date,
        old_ends_on=terms.old_ends_on,
        starts_on=terms.starts_on,
        ends_on=terms.ends_on,
        lapsed_days=terms.lapsed_days,
        valid_until=min(today + dt.timedelta(days=vendor.quote_valid_days), terms.last_day_same_terms),
        issued_by=user,
    )
    for position, line in enumerate(lines, start=1):
        line.quote, line.position = quote, position
    RenewalQuoteLine.objects.bulk_create(lines)
    transition_start(quote, actor=user, reason=_terms_text(quote))
    _renewal_notice(quote, NoticeEvent.RENEWAL_QUOTE_ISSUED, "issued", user)
    return quote


def _renewal_notice(quote: RenewalQuote, event: NoticeEvent, what: str, user: User) -> None:
    """The owner's customer users and its partners' users are told, once per quote and event."""
    contract = quote.contract
    back_support = sum(
        (line.amount for line in quote.lines.all() if line.kind == RenewalLineKind.BACK_SUPPORT),
        Decimal("0.00"),
    )
    ordered_by = quote.ordered_by
    notice_create(
        event=event,
        occurrence=f"renewal-quote:{quote.pk}:{what}",
        target=quote,
        recipients=contract_recipients(contract),
        context={
            "contract_number": contract.number,
            "customer": contract.owner.name,
            "site": contract.site_name,
            "quote_number": quote.number,
            "total": str(quote.total),
            "currency": quote.currency,
            "back_support": str(back_support),
            "lapsed_days": quote.lapsed_days,
            "old_ends_on": quote.old_ends_on.isoformat(),
            "starts_on": quote.starts_on.isoformat(),
            "ends_on": quote.ends_on.isoformat(),
            "valid_until": quote.valid_until.isoformat(),
            "po_number": quote.po_number,
            "by_staff": bool(user.is_programme_staff),
            "by_organization": _organization_name(user),
            "ordered_by_partner": bool(ordered_by and ordered_by.role == Role.PARTNER),
            "ordered_by_organization": _organization_name(ordered_by),
        },
        link=f"/contracts/{contract.number}/#renewal",
    )


def _organization_name(user: User | None) -> str:
    organization = user.organization if user is not None else None
    return organization.name if organization is not None else ""


def _terms_text(quote: RenewalQuote) -> str:
    text = f"One more year, {day(quote.starts_on)} to {day(quote.ends_on)}"
    if quote.lapsed_days:
        text += f", with back-support for {quote.lapsed_days} lapsed days"
    return f"{text}: {money(quote.total, quote.currency)}."


def _amount(value: Any) -> Decimal:
    return order_amount(value, example="437.00")


@transaction.atomic
def renewal_quote_order(*, quote: RenewalQuote, user: User, po_number: str, amount: Any) -> RenewalQuote:
    """The owner's (or its partner's) order for the renewal quote's total exactly (400
    `amount_mismatch` naming both figures), while the quote is valid."""
    action_require(user, "renewal_quote_order", quote)
    po_number = " ".join(str(po_number or "").split())
    if not po_number or len(po_number) > PO_NUMBER_MAX or any(not ch.isprintable() for ch in po_number):
        raise InvalidInput(
            {
                "po_number": [
                    f"Give your purchase order number: one line of at most {PO_NUMBER_MAX} characters."
                ]
            }
        )
    ordered = _amount(amount)
    contract_lock(quote.contract_id)
    quote = RenewalQuote.objects.get(pk=quote.pk)
    if quote.status == RenewalQuoteStatus.ISSUED and timezone.localdate() > quote.valid_until:
        raise Conflict(
            f"Renewal quote {quote.number} was valid until {day(quote.valid_until)}; ask for a new one.",
            code="invalid_transition",
            status=RenewalQuoteStatus.EXPIRED,
        )
    if quote.status == RenewalQuoteStatus.ISSUED and ordered != quote.total:
        raise DomainError(
            f"The order is for {money(ordered, quote.currency)}, but renewal quote {quote.number} is "
            f"{money(quote.total, quote.currency)}; an order covers the total exactly.",
            code="amount_mismatch",
            amount=str(ordered),
            total=str(quote.total),
        )
    transition(
        quote,
        to=RenewalQuoteStatus.ORDERED,
        actor=user,
        reason=f"Purchase order {po_number} for {money(ordered, quote.currency)}.",
    )
    quote.po_number, quote.ordered_amount = po_number, ordered
    quote.ordered_by, quote.ordered_at = user, timezone.now()
    quote.save(update_fields=["po_number", "ordered_amount", "ordered_by", "ordered_at"])
    return quote


@transaction.atomic
def renewal_quote_approve(*, quote: RenewalQuote, user: User) -> RenewalQuote:
    """Staff approve an ordered renewal (never the person who ordered it): the contract's end date
    moves to the quote's, and its history records the old and new dates. The contract row is
    locked first, so two approvals at once extend it once: the second waits, then finds the quote
    approved (409)."""
    action_require(user, "renewal_quote_approve", quote)
    contract = contract_lock(quote.contract_id)
    quote = RenewalQuote.objects.get(pk=quote.pk)
    if quote.status != RenewalQuoteStatus.ORDERED:
        raise Conflict(
            f"Renewal quote {quote.number} is {quote.get_status_display().lower()}; only an ordered "
            "renewal is approved.",
            code="invalid_transition",
            status=quote.status,
        )
    if quote.ordered_by_id == user.pk:
        raise NotPermitted(
            "You ordered this renewal; another member of staff approves it.", code="segregation_of_duties"
        )
    if contract.ends_on != quote.old_ends_on:  # nothing moves it but an approval; a guard all the same
        raise Conflict(
            f"Contract {contract.number} now ends on {day(contract.ends_on)}, not {day(quote.old_ends_on)} "
            "as quoted; ask for a new renewal quote.",
            code="invalid_transition",
        )
    transition(quote, to=RenewalQuoteStatus.APPROVED, actor=user, reason=_terms_text(quote))
    Contract.objects.filter(pk=contract.pk).update(ends_on=quote.ends_on)
    quote.approved_by, quote.approved_at = user, timezone.now()
    quote.save(update_fields=["approved_by", "approved_at"])
    back = f"; back-support for {quote.lapsed_days} lapsed days" if quote.lapsed_days else ""
    ContractEvent.objects.create(
        contract=contract,
        kind=ContractEventKind.RENEWED,
        actor=user,
        note=f"Renewed with {quote.number} (purchase order {quote.po_number}): coverage ends "
        f"{quote.ends_on.isoformat()} instead of {quote.old_ends_on.isoformat()}{back}.",
    )
    _renewal_notice(quote, NoticeEvent.RENEWAL_APPROVED, "approved", user)
    return quote


def renewal_quotes_expire(*, today: dt.date | None = None) -> int:
    """Sweep: issued renewal quotes past their validity expire. Set-based, SWEEP_BATCH per
    transaction: the batch's contracts locked first (the lock order of common.workflow), then one
    UPDATE, a compare-and-set on the status and the date (safe to overlap), and the timeline rows
    in one INSERT, as `transition()` writes them one by one."""
    today = today or timezone.localdate()
    expired, after = 0, 0
    while True:
        with transaction.atomic():
            due = list(
                RenewalQuote.objects.filter(
                    status=RenewalQuoteStatus.ISSUED, valid_until__lt=today, pk__gt=after
                )
                .order_by("pk")
                .values_list("pk", "contract_id")[:SWEEP_BATCH]
            )
            if not due:
                return expired
            after = due[-1][0]
            contracts_lock(sorted({contract_id for _, contract_id in due}))
            moved = transitions_sweep(
                RenewalQuote.objects.filter(valid_until__lt=today),
                ids=[pk for pk, _ in due],
                expected_from=RenewalQuoteStatus.ISSUED,
                to=RenewalQuoteStatus.EXPIRED,
                returning=("id", "valid_until"),
            )
            transitions_record(
                RenewalQuote,
                moved=[(pk, f"Valid until {day(valid_until)}.") for pk, valid_until in moved],
                from_status=RenewalQuoteStatus.ISSUED,
                to_status=RenewalQuoteStatus.EXPIRED,
            )
            expired += len(moved)


# --- reminders ---------------------------------------------------------------------------
def contract_recipients(contract: Contract) -> list[User]:
    """The owner's customer users and the users of the partners serving it."""
    return list(
        User.objects.filter(is_active=True, organization=contract.owner_id, role=Role.CUSTOMER).union(
            User.objects.filter(is_active=True, role=Role.PARTNER, organization__customers=contract.owner_id)
        )
    )


def reminder_tier_due(tiers: list[int], *, ends_on: dt.date, today: dt.date) -> int | None:
    """The nearest tier reached (days before the end): a sweep that missed a tier sends only the
    latest one due, not every one at once."""
    reached = [tier for tier in tiers if today >= ends_on - dt.timedelta(days=tier)]
    return min(reached) if reached else None


def renewal_reminders_send(*, today: dt.date | None = None) -> int:
    """Sweep: the renewal reminder at each of the vendor's tiers, each once per contract and end
    date (the notice's occurrence key), and only while a renewal is possible: not past the
    re-inspection threshold, and not while a renewal is ordered. Set-based: SWEEP_BATCH contracts
    at a time, their reminders in one insert. Returns the reminders written."""
    today = today or timezone.localdate()
    sent = 0
    for vendor in Vendor.objects.exclude(renewal_reminder_days=[]).order_by("pk"):
        tiers = sorted(set(vendor.renewal_reminder_days))
        contracts = (
            Contract.objects.filter(
                pk__in=ContractLine.objects.filter(equipment__vendor=vendor).values("contract"),
                ends_on__lte=today + dt.timedelta(days=max(tiers)),
                ends_on__gte=today - dt.timedelta(days=vendor.reinspection_after_days + 1),
            )
            .exclude(renewal_quotes__status=RenewalQuoteStatus.ORDERED)
            .order_by("pk")
            .values_list("pk", "number", "site_name", "ends_on", "owner_id", "owner__name")
        )
        due = list(contracts)  # one read: the vendor's lines are scanned once, not per batch
        for start in range(0, len(due), SWEEP_BATCH):
            with transaction.atomic():
                sent += _reminders(due[start : start + SWEEP_BATCH], vendor, tiers, today)
    return sent


def _reminders(batch: list[tuple[Any, ...]], vendor: Vendor, tiers: list[int], today: dt.date) -> int:
    """The reminders due in this batch of contracts (pk, number, site, ends_on, owner, owner's
    name), skipping an occurrence already written (as an earlier run left it)."""
    due = {}
    for pk, number, site_name, ends_on, owner_id, owner_name in batch:
        tier = reminder_tier_due(tiers, ends_on=ends_on, today=today)
        if tier is not None:
            occurrence = f"contract:{pk}:renewal-reminder:{tier}:{ends_on.isoformat()}"
            due[occurrence] = (pk, number, site_name, ends_on, owner_id, owner_name, tier)
    locks.lock(locks.PERIODIC, REMINDERS_LOCK)
    written = _occurrences_written(list(due))
    due = {occurrence: row for occurrence, row in due.items() if occurrence not in written}
    if not due:
        return 0
    serials = _covered_serials([row[0] for row in due.values()])
    people = {
        owner: contract_recipients(Contract(owner_id=owner)) for owner in {row[4] for row in due.values()}
    }
    contract_type = ContentType.objects.get_for_model(Contract).pk
    drafts = []
    phases = {
        ends_on: _reminder_phase(ends_on, vendor, today) for ends_on in {row[3] for row in due.values()}
    }
    for occurrence, (pk, number, site_name, ends_on, owner_id, owner_name, tier) in due.items():
        phase, renew_by = phases[ends_on]
        context = {
            "contract_number": number,
            "customer": owner_name,
            "site": site_name,
            "ends_on": ends_on.isoformat(),
            "days_left": max(0, (ends_on - today).days),
            "tier": tier,
            "phase": phase,
            "renew_by": renew_by.isoformat(),
            "serials": serials[pk],
        }
        drafts.append(
            NoticeDraft(
                event=NoticeEvent.CONTRACT_RENEWAL_REMINDER,
                occurrence=occurrence,
                target_type_id=contract_type,
                target_id=pk,
                recipients=people[owner_id],
                context=context,
                link=f"/contracts/{number}/",
            )
        )
    webhook_events_record_many(
        type=WebhookEvent.CONTRACT_EXPIRING,
        model=Contract,
        rows=[(row[0], row[4], occurrence) for occurrence, row in due.items()],
    )
    return len({occurrence for _, occurrence in notices_create_many(drafts, fresh=True)})


# One reminder sweep writes at a time: each batch takes the lock of the periodic job's own name
# (which `common.periodic` holds for a whole scheduled run) before it reads what is written, so a
# second sweep reads the first one's reminders once they are committed and writes none of them
# again. The insert can then go without ON CONFLICT (see `notices_create_many`'s `fresh`).
REMINDERS_LOCK = zlib.crc32(b"renewal-reminders-send") & 0x7FFFFFFF


def _occurrences_written(occurrences: list[str]) -> set[str]:
    """Which of these reminders the outbox holds. One array and no ORDER BY: the model's default
    ordering made this a sort over a scan of the whole outbox, batch after batch."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT occurrence FROM notices_notice WHERE occurrence = ANY(%s::text[])", [occurrences]
        )
        return {occurrence for (occurrence,) in cursor.fetchall()}


# The units by primary key, then sorted (OFFSET 0 keeps the planner from walking the serial index
# of the whole table to find them in order), in the database's collation as `_covered_lines`.
_UNITS_BY_SERIAL_SQL = """
SELECT id, serial_number FROM (
    SELECT id, serial_number FROM relicensing_equipment WHERE id = ANY(%s::bigint[]) AND retired = '' OFFSET 0
) AS units
ORDER BY serial_number
"""


def _covered_serials(contract_ids: list[int]) -> dict[int, list[str]]:
    """The covered serials of each contract, in `_covered_lines`' order. Two reads, each planned
    the same whatever the statistics of a freshly written lines table say (a join of lines and
    units once hashed the million-unit equipment table; a subquery per contract once scanned the
    lines table 5,000 times): the lines of these contracts, then their units by primary key, in
    serial order."""
    lines = list(
        ContractLine.objects.filter(contract_id__in=contract_ids).values_list("contract_id", "equipment_id")
    )
    contracts_of: dict[int, list[int]] = {}
    for contract_id, equipment_id in lines:
        contracts_of.setdefault(equipment_id, []).append(contract_id)
    serials: dict[int, list[str]] = {contract_id: [] for contract_id in contract_ids}
    with connection.cursor() as cursor:
        cursor.execute(_UNITS_BY_SERIAL_SQL, [list(contracts_of)])
        for equipment_id, serial in cursor.fetchall():
            for contract_id in contracts_of[equipment_id]:
                serials[contract_id].append(serial)
    return serials


def _reminder_phase(ends_on: dt.date, vendor: Vendor, today: dt.date) -> tuple[str, dt.date]:
    """Where a contract ending on `ends_on` stands today, and the day to renew by in that phase."""
    phase = renewal_terms(ends_on=ends_on, vendor=vendor, today=today).phase
    renew_by = {
        Phase.BEFORE_END: ends_on,
        Phase.GRACE: grace_last_day(ends_on, vendor),
        Phase.BACK_SUPPORT: renewal_last_day(ends_on, vendor),
    }[phase]
    return phase, renew_by


# --- expiry ------------------------------------------------------------------------------
def contracts_expire(*, today: dt.date | None = None) -> int:
    """Sweep: an EXPIRED event in the history of each contract past its end date, once per end
    date (a renewed contract expires again at its new end). Set-based, SWEEP_BATCH contracts per
    transaction. Safe to run twice or at once: the batch's contracts are locked, then read again
    for their marks by the statement that writes them, and the database holds one mark per
    contract and end date (`one_expiry_per_contract_end`). Returns the expiries recorded."""
    today = today or timezone.localdate()
    marked = ContractExpiry.objects.filter(contract=OuterRef("pk"), ends_on=OuterRef("ends_on"))
    recorded, after = 0, 0
    while True:
        with transaction.atomic():
            due = list(
                Contract.objects.filter(ends_on__lt=today, pk__gt=after)
                .exclude(Exists(marked))
                .order_by("pk")
                .values_list("pk", flat=True)[:SWEEP_BATCH]
            )
            if not due:
                return recorded
            after = due[-1]
            contracts_lock(due)
            recorded += _expiry_mark(due, today)


# After the locks, so its snapshot sees the marks of a sweep that held them: one statement writes
# the event and the mark of each contract still due, the note as `ContractEvent` has it.
_EXPIRY_SQL = """
WITH due AS (
    SELECT c.id, c.ends_on FROM contracts_contract c
    WHERE c.id = ANY(%(ids)s) AND c.ends_on < %(today)s
      AND NOT EXISTS (SELECT 1 FROM contracts_contractexpiry x WHERE x.contract_id = c.id AND x.ends_on = c.ends_on)
), events AS (
    INSERT INTO contracts_contractevent (contract_id, kind, actor_id, note, at)
    SELECT due.id, %(kind)s, NULL, 'Expired: coverage ended on ' || to_char(due.ends_on, 'YYYY-MM-DD') || '.', %(now)s
    FROM due ORDER BY due.id
    RETURNING id, contract_id
)
INSERT INTO contracts_contractexpiry (contract_id, ends_on, event_id)
SELECT events.contract_id, due.ends_on, events.id FROM events JOIN due ON due.id = events.contract_id
"""


def _expiry_mark(contract_ids: list[int], today: dt.date) -> int:
    """The expiry events and marks of these contracts (locked by the caller); how many were due."""
    with connection.cursor() as cursor:
        cursor.execute(
            _EXPIRY_SQL,
            {
                "ids": contract_ids,
                "today": today,
                "kind": ContractEventKind.EXPIRED.value,
                "now": timezone.now(),
            },
        )
        return cursor.rowcount
