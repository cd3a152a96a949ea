"""The one place fees are computed: lines from the price book, totals in exact Decimal.

Quotes (issue: requests and quotes) and the relicense-or-refurbished comparison both call
`chassis_lines()`; no price lives anywhere but in the SKU table.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from common.errors import DomainError, InvalidInput
from contracts.choices import ADDON_KINDS, PER_CHASSIS_KINDS, SkuKind
from contracts.models import Sku
from relicensing.models import Product

if TYPE_CHECKING:
    from relicensing.models import RequestItem

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
    # The SKU's history row it was priced from (SkuQuerySet.with_revision), when the SKU was read with it.
    sku_revision: int | None = None

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
        sku_revision=getattr(sku, "revision", None),
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


def request_lines(
    items: Sequence["RequestItem"], addons: Sequence[dict[str, Any]] = ()
) -> list[tuple["RequestItem", PriceLine]]:
    """Every line of a request's quote, in order: each chassis's three fees, then the add-ons
    asked for. Issuing a quote and previewing one both come here, so they cannot differ."""
    priced: list[tuple[RequestItem, PriceLine]] = []
    for item in items:
        product = item.equipment.product
        assert product is not None  # only eligible chassis, so known products, enter a request
        priced += [(item, line) for line in chassis_lines(product, skus=product.skus.all())]
    return priced + _addon_lines(items, addons)


def _addon_lines(
    items: Sequence["RequestItem"], addons: Sequence[dict[str, Any]]
) -> list[tuple["RequestItem", PriceLine]]:
    """Add-on and subscription SKUs at list price, each for a chassis in the request that the
    SKU applies to. Errors name the field and the problem, row by row."""
    by_registration = {item.registration_id: item for item in items}
    codes = {str(a.get("sku", "")).upper() for a in addons}
    skus = {
        s.code: s for s in Sku.objects.with_revision().filter(code__in=codes).prefetch_related("products")
    }
    lines: list[tuple[RequestItem, PriceLine]] = []
    errors: list[str] = []
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
        raise InvalidInput({"addons": errors})
    return lines


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
