"""Admin for the price book."""

from django.contrib import admin

from common.admin import HistoryAdmin
from contracts.models import Contract, ContractLine, Sku, SkuProduct


class SkuProductInline(admin.TabularInline):
    model = SkuProduct
    extra = 1
    autocomplete_fields = ["product"]


@admin.register(Sku)
class SkuAdmin(HistoryAdmin):
    history_including_references = True  # the products it applies to
    list_display = ["code", "kind", "vendor", "price", "currency", "non_refundable"]
    list_filter = ["vendor", "kind"]
    list_select_related = ["vendor"]
    search_fields = ["code", "description"]
    inlines = [SkuProductInline]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # The kind is copied onto each product link (see SkuProduct), so it is fixed once set.
        return ["kind"] if obj else []


class ContractLineInline(admin.TabularInline):
    model = ContractLine
    extra = 0
    raw_id_fields = ["equipment"]


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["number", "owner", "starts_on", "ends_on", "sales_order"]
    list_select_related = ["owner"]
    search_fields = ["number", "sales_order", "lines__equipment__serial_number"]
    inlines = [ContractLineInline]
