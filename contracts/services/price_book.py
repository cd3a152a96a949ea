"""Writes to the price book: SKUs and the products they apply to."""

from collections.abc import Sequence
from decimal import Decimal

from django.db import IntegrityError, transaction

from accounts.models import User
from accounts.permissions import action_require
from common.errors import Conflict, DomainError, model_validate
from contracts.choices import PER_CHASSIS_KINDS, SkuKind
from contracts.models import Sku, SkuProduct
from relicensing.models import Product, Vendor


@transaction.atomic
def sku_create(
    *,
    user: User,
    code: str,
    kind: SkuKind,
    description: str,
    vendor: Vendor,
    price: Decimal,
    currency: str = "USD",
    products: Sequence[Product] = (),
    non_refundable: bool = True,
) -> Sku:
    """A price-book entry. Per-chassis fees (inspection, support year, OS licence) must name
    the products they price, and a product has only one SKU of each such kind."""
    action_require(user, "price_book_write")
    code = code.strip().upper()
    foreign = [p.model for p in products if p.vendor_id != vendor.pk]
    if foreign:
        raise DomainError(
            f"{', '.join(foreign)} {'is' if len(foreign) == 1 else 'are'} not a {vendor.name} product.",
            code="product_of_other_vendor",
        )
    if kind in PER_CHASSIS_KINDS and not products:
        raise DomainError(
            f"A {SkuKind(kind).label.lower()} SKU must name the products it prices.",
            code="products_required",
        )
    if Sku.objects.filter(code=code).exists():
        raise Conflict(f"The SKU {code} already exists.", code="already_exists")
    sku = Sku(
        code=code,
        kind=kind,
        description=description,
        vendor=vendor,
        price=price,
        currency=currency.upper(),
        non_refundable=non_refundable,
    )
    model_validate(sku, validate_unique=False)
    try:
        with transaction.atomic():
            sku.save()
    except IntegrityError as exc:  # created by someone else since the check above
        raise Conflict(f"The SKU {code} already exists.", code="already_exists") from exc
    _sku_products_add(sku=sku, products=products)
    return sku


def _sku_products_add(*, sku: Sku, products: Sequence[Product]) -> None:
    if sku.kind in PER_CHASSIS_KINDS:
        taken = list(
            SkuProduct.objects.filter(product__in=products, kind=sku.kind)
            .exclude(sku=sku)
            .select_related("product", "sku")
        )
        if taken:
            names = ", ".join(f"{row.product.model} ({row.sku.code})" for row in taken)
            raise Conflict(
                f"Each product has one {SkuKind(sku.kind).label.lower()} SKU; already priced: {names}.",
                code="sku_kind_taken",
            )
    try:
        with transaction.atomic():
            SkuProduct.objects.bulk_create(
                [SkuProduct(sku=sku, product=product, kind=sku.kind) for product in products],
                ignore_conflicts=False,
            )
    except IntegrityError as exc:  # a concurrent writer priced the same product first
        raise Conflict(
            f"Another {SkuKind(sku.kind).label.lower()} SKU was just added for one of these products.",
            code="sku_kind_taken",
        ) from exc
