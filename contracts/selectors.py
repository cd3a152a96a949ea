"""Reads of the price book."""

from django.db.models import Count, Q, QuerySet

from contracts.choices import PER_CHASSIS_KINDS
from contracts.models import Sku
from relicensing.models import Product


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
