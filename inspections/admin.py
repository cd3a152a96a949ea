"""Admin for inspectors (the countries they cover, their days away: kept by staff here) and
read-only views of visits and checklists, which change through their own pages and services."""

from django.contrib import admin
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from inspections.models import Absence, ChecklistVersion, Inspection, InspectionLine, Inspector
from relicensing.admin import RecordAdmin


class AbsenceInline(admin.TabularInline):
    model = Absence
    extra = 1
    fields = ["starts_on", "ends_on", "note"]


@admin.register(Inspector)
class InspectorAdmin(admin.ModelAdmin):
    list_display = ["__str__", "countries_covered", "absences_ahead"]
    list_select_related = ["user"]
    fields = ["user", "countries"]
    inlines = [AbsenceInline]
    search_fields = ["user__username", "user__first_name", "user__last_name"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(role=Role.INSPECTOR)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="Countries")
    def countries_covered(self, inspector: Inspector) -> str:
        return ", ".join(str(code) for code in inspector.countries) or "none"

    @admin.display(description="Days away ahead")
    def absences_ahead(self, inspector: Inspector) -> int:
        return inspector.absences.filter(ends_on__gte=timezone.localdate()).count()


@admin.register(ChecklistVersion)
class ChecklistVersionAdmin(RecordAdmin):
    """Published on the checklists page, never edited."""

    list_display = ["vendor", "version", "published_by", "published_at", "note"]
    list_filter = ["vendor"]


class InspectionLineInline(admin.TabularInline):
    model = InspectionLine
    fields = ["serial_number", "outcome"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Inspection)
class InspectionAdmin(RecordAdmin):
    list_display = ["request", "status", "date", "inspector", "reschedules", "checklist_version"]
    list_filter = ["status"]
    list_select_related = ["request", "inspector", "checklist_version__vendor"]
    search_fields = ["request__number", "lines__serial_number"]
    inlines = [InspectionLineInline]
