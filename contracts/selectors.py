"""Reads of the price book and of quotes, including the preview of a quote before it is issued."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from accounts.models import User
from accounts.permissions import action_allowed
from contracts.choices import PER_CHASSIS_KINDS, QuoteStatus
from contracts.models import ContractLine, Quote, Sku
from contracts.pricing import lines_total, request_lines
from relicensing.choices import REQUEST_WORKFLOW, RequestStatus
from relicensing.models import Product, Request, RequestItem, Vendor


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


def serials_covered(*, vendor: Vendor, serial_numbers: list[str], on: dt.date) -> set[str]:
    """Which of these serials a contract covers on that day."""
    return set(
        ContractLine.objects.filter(
            equipment__vendor=vendor,
            equipment__serial_number__in=serial_numbers,
            contract__starts_on__lte=on,
            contract__ends_on__gte=on,
        ).values_list("equipment__serial_number", flat=True)
    )


# --- quotes -------------------------------------------------------------------------
def quote_get(*, user: User, pk: int) -> Quote:
    try:
        return (
            Quote.objects.visible_to(user)
            .select_related("request__customer", "request__vendor", "issued_by", "accepted_by")
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
