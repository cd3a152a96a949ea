"""Query-string filters for catalog lists."""

import django_filters

from relicensing.choices import RegistrationStatus
from relicensing.models import Product, Registration
from relicensing.serials import serial_normalise


class ProductFilter(django_filters.FilterSet):
    vendor = django_filters.CharFilter(field_name="vendor__slug")
    model = django_filters.CharFilter(field_name="model", lookup_expr="iexact")

    class Meta:
        model = Product
        fields = ["vendor", "model", "family", "category", "is_chassis"]


class RegistrationFilter(django_filters.FilterSet):
    """Filters for the installed base: `?serial_number=` by the serial's start, `?eligible=`."""

    serial_number = django_filters.CharFilter(
        method="filter_serial",
        help_text="Serials that start with this value, normalised as registration normalises it (case, "
        "spaces and look-alike characters do not matter): the whole serial finds that unit, a "
        "beginning finds every unit whose serial starts so. Not a substring search.",
    )
    vendor = django_filters.CharFilter(field_name="equipment__vendor__slug")
    product = django_filters.CharFilter(field_name="equipment__product__model", lookup_expr="iexact")
    eligible = django_filters.BooleanFilter()
    status = django_filters.ChoiceFilter(choices=RegistrationStatus.choices)

    class Meta:
        model = Registration
        fields = ["serial_number", "vendor", "product", "eligible", "status"]

    def filter_serial(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(equipment__serial_number__startswith=serial_normalise(value))
