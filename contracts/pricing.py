"""The one place fees are computed: lines from the price book, totals in exact Decimal.

Quotes (issue: requests and quotes) and the relicense-or-refurbished comparison both call
`chassis_lines()`; no price lives anywhere but in the SKU table.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from config.errors import DomainError
from contracts.choices import PER_CHASSIS_KINDS, SkuKind
from contracts.models import Sku
from relicensing.models import Product

CENT = Decimal("0.01")

# The vendor's certified refurbished equipment sells at 25 to 75 percent below list price.
REFURBISHED_DISCOUNT_MIN = Decimal("0.25")
REFURBISHED_DISCOUNT_MAX = Decimal("0.75")


@dataclass(frozen=True)
class PriceLine:
    sku: str
    kind: str
    description: str
    quantity: int
    unit_price: Decimal
    currency: str
    non_refundable: bool

    @property
    def amount(self) -> Decimal:
        return (self.unit_price * self.quantity).quantize(CENT, rounding=ROUND_HALF_UP)


def line_from_sku(sku: Sku, *, quantity: int = 1) -> PriceLine:
    return PriceLine(
        sku=sku.code,
        kind=sku.kind,
        description=sku.description,
        quantity=quantity,
        unit_price=sku.price,
        currency=sku.currency,
        non_refundable=sku.non_refundable,
    )


def chassis_lines(product: Product, *, skus: Iterable[Sku] | None = None) -> list[PriceLine]:
    """Inspection, one year of support and the OS licence for one chassis of `product`.

    `skus` may be passed pre-fetched (`product.skus.all()`); a missing kind is a 400 naming
    the product and the kind, never a quote with a hole in it.
    """
    by_kind = {sku.kind: sku for sku in (skus if skus is not None else product.skus.all())}
    missing = [kind for kind in PER_CHASSIS_KINDS if kind not in by_kind]
    if missing:
        kinds = ", ".join(SkuKind(kind).label.lower() for kind in missing)
        raise DomainError(
            f"{product} cannot be priced: the price book has no {kinds} SKU for it.",
            code="missing_sku",
            product=product.model,
            kinds=[str(kind) for kind in missing],
        )
    return [line_from_sku(by_kind[kind]) for kind in PER_CHASSIS_KINDS]


def lines_total(lines: Sequence[PriceLine]) -> Decimal:
    currencies = {line.currency for line in lines}
    if len(currencies) > 1:
        raise DomainError("Lines in different currencies cannot be added up.", code="mixed_currency")
    return sum((line.amount for line in lines), Decimal("0.00")).quantize(CENT)


@dataclass(frozen=True)
class Comparison:
    """Relicense this chassis, or buy the same model certified refurbished."""

    lines: list[PriceLine]
    programme_total: Decimal
    currency: str
    refurbished_low: Decimal | None
    refurbished_high: Decimal | None
    list_price: Decimal | None


def relicense_or_refurbished(product: Product, *, skus: Iterable[Sku] | None = None) -> Comparison:
    lines = chassis_lines(product, skus=skus)
    list_price = product.list_price
    return Comparison(
        lines=lines,
        programme_total=lines_total(lines),
        currency=lines[0].currency,
        list_price=list_price,
        refurbished_low=(
            (list_price * (1 - REFURBISHED_DISCOUNT_MAX)).quantize(CENT) if list_price is not None else None
        ),
        refurbished_high=(
            (list_price * (1 - REFURBISHED_DISCOUNT_MIN)).quantize(CENT) if list_price is not None else None
        ),
    )
