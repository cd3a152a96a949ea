"""Renewals of service contracts: the renewal quote (one more year from the price book, with
back-support after the vendor's grace period), its order and staff approval. The periodic sweeps
(reminders at the vendor's tiers, the expiry at the end date, renewal quotes past their validity)
are in `contracts.services.renewal_sweeps`.

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
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from accounts.permissions import action_require
from common.errors import Conflict, DomainError, InvalidInput, NotPermitted
from common.formats import day, money
from common.workflow import transition, transition_start
from contracts.choices import ContractEventKind, RenewalLineKind, RenewalQuoteStatus, SkuKind
from contracts.models import (
    Contract,
    ContractEvent,
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
from notices.services import notice_create
from relicensing.models import Vendor

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


def contract_recipients(contract: Contract) -> list[User]:
    """The owner's customer users and the users of the partners serving it."""
    return list(
        User.objects.filter(is_active=True, organization=contract.owner_id, role=Role.CUSTOMER).union(
            User.objects.filter(is_active=True, role=Role.PARTNER, organization__customers=contract.owner_id)
        )
    )
