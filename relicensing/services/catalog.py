"""Writes to the catalog: product models."""

from typing import Any

from django.db import IntegrityError, transaction

from accounts.models import User
from accounts.permissions import action_require
from common.errors import Conflict, DomainError, model_validate
from relicensing.models import Product, Vendor

PRODUCT_FIELDS = (
    "model",
    "family",
    "category",
    "is_chassis",
    "end_of_sale",
    "end_of_support",
    "list_price",
    "currency",
)


@transaction.atomic
def product_create(*, user: User, vendor: Vendor, model: str, **fields: Any) -> Product:
    """A new product model. Units registered under that model name before the catalog had it
    become units of it, and are judged again (they were `unknown_product`)."""
    action_require(user, "catalog_write")
    product = _product_save(Product(vendor=vendor, model=model.strip(), **fields))
    from relicensing.services.equipment import units_adopt

    units_adopt(product=product)
    return product


@transaction.atomic
def product_update(*, user: User, product: Product, **fields: Any) -> Product:
    """Change a product; its registrations are re-judged when its support dates move."""
    action_require(user, "catalog_write")
    if "vendor" in fields and fields.pop("vendor") != product.vendor:
        raise DomainError(
            "A product cannot move to another vendor; create it under the other vendor.",
            code="vendor_immutable",
        )
    for name, value in fields.items():
        if name not in PRODUCT_FIELDS:
            raise DomainError(f"{name} cannot be changed.", code="field_immutable")
        setattr(product, name, value.strip() if name == "model" else value)
    product = _product_save(product)
    if "end_of_support" in fields:
        from relicensing.services.equipment import products_refresh

        products_refresh(product=product)
    return product


def _product_save(product: Product) -> Product:
    model_validate(product, validate_unique=False, validate_constraints=False)
    if product.end_of_sale and product.end_of_support and product.end_of_support < product.end_of_sale:
        raise DomainError("End of support cannot come before end of sale.", code="invalid_dates")
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError as exc:
        raise Conflict(
            f"{product.vendor.name} already has a product model {product.model}.",
            code="already_exists",
        ) from exc
    return product
