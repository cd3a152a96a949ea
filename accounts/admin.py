"""Admin for organisations, partnerships, users and (to read) invitations."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django_countries import countries

from accounts.models import Invitation, Organization, Partnership, User


def _country_choices() -> list[tuple[str, str]]:
    return [("", "---------"), *((code, f"{name} ({code})") for code, name in countries)]


class PartnershipInline(admin.TabularInline):
    model = Partnership
    fk_name = "partner"
    extra = 0
    verbose_name = "customer served"
    verbose_name_plural = "customers served (partners only)"
    autocomplete_fields = ["customer"]


class OrganizationForm(forms.ModelForm):
    # The column holds the ISO code; staff pick the country by name rather than typing a code.
    country = forms.ChoiceField(
        choices=_country_choices, required=False, help_text="Printed by name under the address."
    )

    class Meta:
        model = Organization
        fields = ["name", "kind", "address", "country", "email", "phone"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3, "cols": 40})}


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    form = OrganizationForm
    list_display = ["name", "kind", "country_name", "email", "phone"]
    list_filter = ["kind"]
    search_fields = ["name", "email"]
    inlines = [PartnershipInline]
    fieldsets = (
        (None, {"fields": ("name", "kind")}),
        (
            "Contact details",
            {
                "fields": ("address", "country", "email", "phone"),
                "description": "A partner's (or, for quotes programme staff issue, the operator's) "
                "address, email and phone are printed on the quotes it issues.",
            },
        ),
    )

    @admin.display(description="country", ordering="country")
    def country_name(self, organization: Organization) -> str:
        return countries.name(organization.country) or organization.country


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "organization", "role", "is_organization_admin", "is_active"]
    list_filter = ["role", "is_active", "is_organization_admin", "organization__kind"]
    list_select_related = ["organization"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Organisation and role", {"fields": ("organization", "role", "is_organization_admin")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        ("Organisation and role", {"fields": ("email", "organization", "role")}),
    )
    autocomplete_fields = ["organization"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read-only: invitations are sent, withdrawn and accepted from the portal, where the rules are."""

    list_display = ["email", "organization", "role", "invited_by", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role", "organization__kind"]
    list_select_related = ["organization", "invited_by"]
    search_fields = ["email", "organization__name"]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def, override]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def, override]
        return False
