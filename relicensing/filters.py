"""Query-string filters for catalog lists."""

import django_filters

from relicensing.models import Product


class ProductFilter(django_filters.FilterSet):
    vendor = django_filters.CharFilter(field_name="vendor__slug")
    model = django_filters.CharFilter(field_name="model", lookup_expr="iexact")

    class Meta:
        model = Product
        fields = ["vendor", "model", "family", "category", "is_chassis"]
