"""Reads of the price book and of quotes, including the preview of a quote before it is issued."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, prefetch_related_objects
from django.http import Http404
from django_countries import countries

from accounts.choices import OrganizationKind
from accounts.models import Organization, User
from accounts.permissions import action_allowed
from common.errors import DomainError
from contracts.choices import PER_CHASSIS_KINDS, QuoteStatus
from contracts.models import Quote, Sku
from contracts.pricing import PriceLine, lines_total, request_lines
from relicensing.choices import REQUEST_WORKFLOW, RequestStatus
from relicensing.models import Product, Registration, Request, RequestItem, Vendor


def sku_list() -> QuerySet[Sku]:
    return Sku.objects.select_related("vendor").prefetch_related("products").order_by("code")


def products_missing_fee_skus() -> QuerySet[Product]:
    """Chassis that cannot be quoted yet: they lack an inspection, support-year or OS SKU."""
    kinds = [kind.value for kind in PER_CHASSIS_KINDS]
    return (
        Product.objects.filter(is_chassis=True)
        .annotate(fee_kinds=Count("skus__kind", filter=Q(skus__kind__in=kinds), distinct=True))
        .filter(fee_kinds__lt=len(kinds))
        .select_related("vendor")
        .order_by("vendor__name", "model")
    )


# --- quotes -------------------------------------------------------------------------
def quote_get(*, user: User, pk: int) -> Quote:
    try:
        return (
            Quote.objects.visible_to(user)
            .select_related("request__customer", "request__vendor", "issued_by__organization", "accepted_by")
            .prefetch_related("lines")
            .get(pk=pk)
        )
    except (Quote.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def quote_may_be_accepted(*, user: User, quote: Quote) -> bool:
    """The person may accept this quote now: it is the issued one, its request waits for an
    acceptance, and the person is the customer or its partner. Pages show Accept only then."""
    return (
        quote.status == QuoteStatus.ISSUED
        and REQUEST_WORKFLOW.allows(quote.request.status, RequestStatus.QUOTE_ACCEPTED)
        and action_allowed(user, "quote_accept", quote)
    )


def country_name(code: str) -> str:
    """ "United Kingdom" for "GB", as an address is printed; an unknown code stays as it is."""
    return countries.name(code.upper()) or code


@dataclass(frozen=True)
class QuoteIssuer:
    """Who a quote is from: the issuing firm, how to reach it, and the person who issued it."""

    organization_id: int | None
    name: str
    address: str
    country: str  # ISO alpha-2, as stored
    country_name: str
    email: str
    phone: str
    person: str


def issuer_of(quote: Quote) -> QuoteIssuer:
    """Who an issued quote is from: as recorded when it was issued (quotes from before that was
    recorded are answered from the issuer's organisation as it is now)."""
    if quote.issuer:
        return QuoteIssuer(**quote.issuer)
    return quote_issuer(issued_by=quote.issued_by, vendor=quote.request.vendor)


def quote_issuer(*, issued_by: User, vendor: Vendor) -> QuoteIssuer:
    """Who a quote issued by this person is from: the person's organisation (the partner), or for
    programme staff the programme operator. The builder shows it before issuing; the quote's page,
    PDF and API answer name it after.

    A staff account outside the operator's organisation (a superuser set up without one) still
    issues for the programme, so the operator is named; with no operator on record, the vendor's
    programme is, with no contact details."""
    firm: Organization | None = issued_by.organization
    if issued_by.is_programme_staff and (firm is None or firm.kind != OrganizationKind.OPERATOR):
        firm = Organization.objects.filter(kind=OrganizationKind.OPERATOR).order_by("pk").first()
    if firm is None:
        return QuoteIssuer(
            organization_id=None,
            name=f"{vendor.name} programme",
            address="",
            country="",
            country_name="",
            email="",
            phone="",
            person=issued_by.display_name,
        )
    return QuoteIssuer(
        organization_id=firm.pk,
        name=firm.name,
        address=firm.address,
        country=firm.country,
        country_name=country_name(firm.country) if firm.country else "",
        email=firm.email,
        phone=firm.phone,
        person=issued_by.display_name,
    )


def quote_items(*, request: Request) -> QuerySet[RequestItem]:
    """The request's chassis with their products' SKUs, ready to price."""
    return request.items.select_related("equipment__product", "registration").prefetch_related(
        "equipment__product__skus"
    )


@dataclass(frozen=True)
class PreviewLine:
    serial_number: str
    sku: str
    description: str
    quantity: int
    unit_price: Decimal
    amount: Decimal
    non_refundable: bool


@dataclass(frozen=True)
class QuotePreview:
    lines: list[PreviewLine]
    total: Decimal
    currency: str


def quote_preview(*, items: Sequence[RequestItem], addons: Sequence[dict[str, Any]]) -> QuotePreview:
    """The lines and total quote_issue would write for these add-ons: the same function
    (contracts.pricing.request_lines) builds both, with the same errors."""
    priced = request_lines(items, addons)
    lines = [line for _, line in priced]
    return QuotePreview(
        lines=[
            PreviewLine(
                serial_number=item.equipment.serial_number,
                sku=line.sku,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                amount=line.amount,
                non_refundable=line.non_refundable,
            )
            for item, line in priced
        ],
        total=lines_total(lines),
        currency=lines[0].currency,
    )


# --- the request wizard's estimate -----------------------------------------------------
@dataclass(frozen=True)
class ChassisEstimate:
    serial_number: str
    model: str
    lines: list[PriceLine]
    total: Decimal | None  # None: the chassis cannot be priced, `missing` says why
    missing: str


@dataclass(frozen=True)
class FeeEstimate:
    chassis: list[ChassisEstimate]
    total: Decimal | None  # None when any chassis cannot be priced: never a total with a hole in it
    currency: str
    unpriced: list[str]  # the products that cannot be priced, each named once
    no_total: str  # why there is no total, when there is none
    fees: list[str]  # the fee every chassis carries, in the order of each chassis's lines


def fee_estimate(*, registrations: Sequence[Registration]) -> FeeEstimate:
    """What these chassis would cost by today's price book, before their request exists.

    Each chassis is priced by request_lines, the function quotes are issued with, so the estimate
    and a quote issued today agree line for line. Add-on licences are not in it: the partner adds
    them when quoting. A chassis whose product lacks a fee SKU is named and given no amount."""
    registrations = list(registrations)
    prefetch_related_objects(registrations, "equipment__product__vendor", "equipment__product__skus")
    chassis = [_chassis_estimate(registration) for registration in registrations]
    priced = [line for estimate in chassis for line in estimate.lines]
    unpriced = list(dict.fromkeys(estimate.model for estimate in chassis if estimate.total is None))
    currencies = sorted({line.currency for line in priced})
    if unpriced:
        no_total = f"No total: the price book cannot price {', '.join(unpriced)} yet."
    elif len(currencies) > 1:
        no_total = f"No total: these fees are in more than one currency ({', '.join(currencies)})."
    else:
        no_total = ""
    return FeeEstimate(
        chassis=chassis,
        total=lines_total(priced) if priced and not no_total else None,
        currency=currencies[0] if len(currencies) == 1 else "",
        unpriced=unpriced,
        no_total=no_total,
        fees=[kind.label for kind in PER_CHASSIS_KINDS],
    )


def _chassis_estimate(registration: Registration) -> ChassisEstimate:
    equipment = registration.equipment
    serial, product = equipment.serial_number, equipment.product
    if product is None:  # never quotable: the request itself refuses a chassis of unknown product
        missing = f"{serial} is not matched to a product in the catalog, so it has no fees."
        return ChassisEstimate(serial, equipment.reported_model, [], None, missing)
    # Never saved: it only carries the chassis to the quote's own pricing function.
    item = RequestItem(registration=registration, equipment=equipment)
    try:
        lines = [line for _, line in request_lines([item])]
        return ChassisEstimate(serial, product.model, lines, lines_total(lines), "")
    except DomainError as exc:
        if exc.code not in ("missing_sku", "mixed_currency"):
            raise
        return ChassisEstimate(serial, product.model, [], None, exc.detail)
