"""Query-string filters for the price book."""

import django_filters

from contracts.choices import SkuKind
from contracts.models import Sku


class SkuFilter(django_filters.FilterSet):
    product = django_filters.CharFilter(
        field_name="products__model", lookup_expr="iexact", distinct=True, label="Product model"
    )
    vendor = django_filters.CharFilter(field_name="vendor__slug")
    kind = django_filters.ChoiceFilter(choices=SkuKind.choices)

    class Meta:
        model = Sku
        fields = ["product", "vendor", "kind"]
