"""Reads of the catalog."""

from django.db.models import QuerySet

from relicensing.models import Product, Vendor


def vendor_list() -> QuerySet[Vendor]:
    return Vendor.objects.order_by("name")


def product_list() -> QuerySet[Product]:
    return Product.objects.select_related("vendor").order_by("vendor__name", "model")
