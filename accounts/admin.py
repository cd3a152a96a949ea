"""Admin for organisations, partnerships and users."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import Organization, Partnership, User


class PartnershipInline(admin.TabularInline):
    model = Partnership
    fk_name = "partner"
    extra = 0
    verbose_name = "customer served"
    verbose_name_plural = "customers served (partners only)"
    autocomplete_fields = ["customer"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name"]
    inlines = [PartnershipInline]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "organization", "role", "is_active"]
    list_filter = ["role", "is_active", "organization__kind"]
    list_select_related = ["organization"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Organisation and role", {"fields": ("organization", "role")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        ("Organisation and role", {"fields": ("email", "organization", "role")}),
    )
    autocomplete_fields = ["organization"]
