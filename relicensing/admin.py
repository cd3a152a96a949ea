"""Admin for the catalog: vendors (with their programme policy) and products."""

from django.contrib import admin

from relicensing.models import Product, Vendor


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "inspection_lead_business_days",
        "quote_valid_days",
        "inspections_per_inspector_per_day",
    ]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "slug"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "model",
        "vendor",
        "family",
        "category",
        "is_chassis",
        "end_of_support",
        "list_price",
    ]
    list_filter = ["vendor", "category", "is_chassis"]
    list_select_related = ["vendor"]
    search_fields = ["model", "family"]
