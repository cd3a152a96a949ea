"""Forms for the installed-base pages: registering, importing, filtering, the buyer's checks
and the staff tools. They parse what a person typed; every rule stays in the services."""

import re
from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from accounts.choices import OrganizationKind, Role
from accounts.models import Organization, User
from common.widgets import ISO_DATE, IsoDateInput, PlainSelect
from relicensing.choices import AcquisitionChannel, Condition, Flag, RegistrationStatus
from relicensing.models import Equipment, Registration, Vendor
from relicensing.selectors import catalogue_kept
from relicensing.serials import serial_normalise

BULK_CHECK_MAX = 10_000
SERIAL_SEPARATORS = re.compile(r"[\s,;]+")


def customers_for(user: User) -> QuerySet[Organization]:
    """The customers a user may act for: a partner's served customers, every customer for staff."""
    return Organization.objects.visible_to(user).filter(kind=OrganizationKind.CUSTOMER).order_by("name")


def product_input() -> forms.TextInput:
    """A model input suggesting the catalog's models (see _product_datalists.html, forms.js)."""
    return forms.TextInput(
        attrs={"list": "products-all", "data-products-for": "id_vendor", "autocomplete": "off"}
    )


def vendor_field(**kwargs: Any) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=Vendor.objects.order_by("name"),
        to_field_name="slug",
        empty_label="Choose the vendor",
        **kwargs,
    )


class OnBehalfForm(forms.Form):
    """Partners and staff say which customer they act for; a customer acts for itself."""

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user.role != Role.CUSTOMER:
            self.fields["customer"] = forms.ModelChoiceField(
                queryset=customers_for(user),
                empty_label="Choose the customer",
                help_text="The customer organisation that owns the equipment.",
            )
            self.order_fields(["customer"])


class RegistrationForm(OnBehalfForm):
    vendor = vendor_field()
    serial_number = forms.CharField(
        max_length=64, help_text="As printed on the chassis label; spaces and letter case do not matter."
    )
    product = forms.CharField(
        label="Product model",
        max_length=100,
        widget=product_input(),
        help_text="For example ACX2200. A model missing from the catalog is registered as unknown.",
    )
    # The programme is for second-hand equipment: that is the usual answer, so it comes first.
    acquisition_channel = forms.ChoiceField(
        label="How you got it",
        choices=AcquisitionChannel.choices,
        initial=AcquisitionChannel.SECONDARY_MARKET,
    )
    condition = forms.ChoiceField(choices=Condition.choices, initial=Condition.WORKING)
    acquired_from = forms.CharField(label="Bought from (seller)", max_length=200, required=False)
    acquired_on = forms.DateField(
        label="Date acquired",
        required=False,
        input_formats=[ISO_DATE],  # the one order the page shows; 04/12/2026 reads two ways
        widget=IsoDateInput(),
        help_text="As YYYY-MM-DD.",
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )


class ImportForm(OnBehalfForm):
    file = forms.FileField(
        label="Spreadsheet (CSV or XLSX)",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )


class EquipmentFilterForm(forms.Form):
    """The list page's filters; every field is optional and a bad value is simply ignored."""

    q = forms.CharField(label="Serial", required=False, help_text="The whole serial, or how it starts.")
    vendor = forms.ChoiceField(required=False, widget=PlainSelect)
    product = forms.ChoiceField(required=False, widget=PlainSelect)
    eligible = forms.ChoiceField(
        required=False,
        choices=[("", "Any eligibility"), ("yes", "Eligible"), ("no", "Not eligible")],
        widget=PlainSelect,
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        catalogue = catalogue_kept()
        cast(forms.ChoiceField, self.fields["vendor"]).choices = [
            ("", "All vendors"),
            *((v.slug, v.name) for v in catalogue.vendors),
        ]
        cast(forms.ChoiceField, self.fields["product"]).choices = [
            ("", "All products"),
            *((m, m) for m in catalogue.models),
        ]
        if user.role != Role.CUSTOMER:
            customers = customers_for(user).values_list("pk", "name")
            self.fields["customer"] = forms.TypedChoiceField(
                required=False, coerce=int, choices=[("", "All customers"), *customers], widget=PlainSelect
            )

    def apply(self, registrations: QuerySet[Registration]) -> QuerySet[Registration]:
        if not self.is_valid():
            return registrations
        data = self.cleaned_data
        lookups = {
            "equipment__serial_number__startswith": serial_normalise(data["q"]),
            "equipment__vendor__slug": data["vendor"],
            "equipment__product__model": data["product"],
            "eligible": {"yes": True, "no": False}.get(data["eligible"]),
            "organization_id": data.get("customer"),
        }
        return registrations.filter(**{k: v for k, v in lookups.items() if v not in ("", None)})


class SerialCheckForm(forms.Form):
    vendor = vendor_field()
    serial_number = forms.CharField(max_length=64, help_text="As printed on the label or the listing.")
    product = forms.CharField(
        label="Model on offer",
        max_length=100,
        required=False,
        widget=product_input(),
        help_text="Lets us judge a serial nobody has registered yet.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        vendor, model = data.get("vendor"), (data.get("product") or "").strip()
        data["product_obj"] = None
        if vendor and model:
            data["product_obj"] = vendor.products.filter(model__iexact=model).first()
            if data["product_obj"] is None:
                self.add_error(
                    "product",
                    f"{model} is not a {vendor.name} model in the catalog. Check the model, "
                    "or leave it empty to check the serial alone.",
                )
        return data


class BulkCheckForm(SerialCheckForm):
    serial_number = None  # type: ignore[assignment]
    serials = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
        help_text=f"Up to {BULK_CHECK_MAX:,} serials, one per line (commas and spaces also separate them).",
    )
    field_order = ["vendor", "serials", "product"]

    def clean_serials(self) -> list[str]:
        serials = [s for s in SERIAL_SEPARATORS.split(self.cleaned_data["serials"]) if s]
        if not serials:
            raise forms.ValidationError("Paste at least one serial number.")
        if len(serials) > BULK_CHECK_MAX:
            raise forms.ValidationError(
                f"You pasted {len(serials):,} serials; one check takes at most {BULK_CHECK_MAX:,}. "
                "Split the list and check it in parts."
            )
        return serials


class HoldForm(forms.Form):
    vendor = vendor_field()
    serial_number = forms.CharField(max_length=64, help_text="It need not be registered yet.")
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Export control, fraud, dispute...",
    )


class HoldReleaseForm(forms.Form):
    note = forms.CharField(label="Why the hold is released", max_length=2000)


class FlagForm(forms.Form):
    flag = forms.ChoiceField(choices=Flag.choices)
    action = forms.ChoiceField(choices=[("set", "Set"), ("clear", "Clear")], initial="set")
    note = forms.CharField(max_length=2000, required=False)


class SettleForm(forms.Form):
    organization = forms.ModelChoiceField(
        label="Owner", queryset=Organization.objects.none(), widget=forms.RadioSelect, empty_label=None
    )
    note = forms.CharField(
        label="Evidence seen",
        max_length=2000,
        help_text="How ownership was settled (invoice, chain of sale).",
    )

    def __init__(self, *args: Any, equipment: Equipment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["organization"]).queryset = Organization.objects.filter(
            registrations__equipment=equipment, registrations__status=RegistrationStatus.ACTIVE
        ).order_by("name")
