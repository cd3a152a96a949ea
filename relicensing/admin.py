"""Admin for the catalog (vendors with their programme policy, products) and read-only views of
the installed base. Writes that change eligibility go through the services."""

from django.contrib import admin

from common.admin import HistoryAdmin
from relicensing.models import (
    ComplianceHold,
    Equipment,
    EquipmentEvent,
    ImportJob,
    Product,
    Registration,
    SoftwareLicence,
    Vendor,
)
from relicensing.services import catalog
from relicensing.services.catalog import PRODUCT_FIELDS


class RecordAdmin(admin.ModelAdmin):
    """A record of what happened: shown, never added, changed or deleted here; the services that
    write it also audit the change and keep eligibility right."""

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


FLAG_FIELDS = ["lost_or_stolen", "counterfeit", "permanently_damaged", "damaged"]


@admin.register(Vendor)
class VendorAdmin(HistoryAdmin):
    list_display = [
        "name",
        "slug",
        "inspection_lead_business_days",
        "quote_valid_days",
        "inspections_per_inspector_per_day",
        "reschedule_cutoff_business_days",
        "max_customer_reschedules",
        "two_approvals_above",
        "renewal_grace_days",
        "reinspection_after_days",
        "escalate_after_business_days",
    ]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "slug"]


@admin.register(Product)
class ProductAdmin(HistoryAdmin):
    history_including_references = True  # which SKUs price it
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

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        """Through the catalog services, so moved support dates re-judge the product's units."""
        if change:
            changed = {name: form.cleaned_data[name] for name in form.changed_data if name in PRODUCT_FIELDS}
            catalog.product_update(user=request.user, product=Product.objects.get(pk=obj.pk), **changed)
        else:
            fields = {name: form.cleaned_data[name] for name in PRODUCT_FIELDS if name in form.cleaned_data}
            obj.pk = catalog.product_create(user=request.user, vendor=obj.vendor, **fields).pk

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # units and prices refer to it; end its support instead


class RegistrationInline(admin.TabularInline):
    model = Registration
    extra = 0
    can_delete = False
    fields = [
        "organization",
        "acquisition_channel",
        "condition",
        "status",
        "eligible",
        "path",
        "reasons",
        "created_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class SoftwareLicenceInline(admin.TabularInline):
    model = SoftwareLicence
    extra = 0
    autocomplete_fields = ["licensee"]


@admin.register(Equipment)
class EquipmentAdmin(admin.ModelAdmin):
    """Read-mostly: flags, holds and ownership change only through the staff pages or the API,
    which audit the change and refresh eligibility."""

    list_display = ["serial_number", "vendor", "product", "current_owner", *FLAG_FIELDS]
    list_filter = ["vendor", *FLAG_FIELDS]
    list_select_related = ["vendor", "product", "current_owner"]
    search_fields = ["serial_number"]
    readonly_fields = [
        "vendor",
        "serial_number",
        "product",
        "reported_model",
        *FLAG_FIELDS,
        "original_owner",
        "current_owner",
        "created_at",
    ]
    inlines = [RegistrationInline, SoftwareLicenceInline]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # its history and claims would go with it


@admin.register(ComplianceHold)
class ComplianceHoldAdmin(RecordAdmin):
    list_display = ["serial_number", "vendor", "reason", "placed_at", "released_at"]
    list_filter = ["vendor", ("released_at", admin.EmptyFieldListFilter)]
    search_fields = ["serial_number", "reason"]
    readonly_fields = [f.name for f in ComplianceHold._meta.fields]


@admin.register(EquipmentEvent)
class EquipmentEventAdmin(RecordAdmin):
    list_display = ["at", "serial_number", "vendor", "kind", "organization", "actor"]
    list_filter = ["kind", "vendor"]
    list_select_related = ["vendor", "organization", "actor"]
    search_fields = ["serial_number", "note"]
    readonly_fields = [f.name for f in EquipmentEvent._meta.fields]


@admin.register(ImportJob)
class ImportJobAdmin(RecordAdmin):
    list_display = [
        "id",
        "original_name",
        "organization",
        "status",
        "processed_rows",
        "total_rows",
        "created_at",
    ]
    list_filter = ["status"]
    readonly_fields = [f.name for f in ImportJob._meta.fields]
