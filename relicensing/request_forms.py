"""Forms for the request pages: the wizard's steps, the list's filters and the request page's
actions. They parse what a person typed; the rules stay in the services, which the forms call
early (lead time, document content) so a step says what is wrong before the final submit."""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.db.models import QuerySet
from django_countries import countries

from accounts.choices import Role
from accounts.models import User
from common.errors import DomainError
from common.widgets import ISO_DATE, IsoDateInput, PlainSelect
from relicensing.business_days import holidays_between
from relicensing.choices import DocumentKind, RequestStatus
from relicensing.forms import customers_for
from relicensing.models import Registration, Request
from relicensing.services.requests import document_check, inspection_date_check

DOCUMENT_ACCEPT = ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"


def selectable(registration: Registration, open_request: Request | None) -> bool:
    """Whether the wizard lets this chassis be chosen; the page shows why not otherwise."""
    return registration.can_enter_request and open_request is None


class CustomerStepForm(forms.Form):
    """A partner says which customer the request is for. The view resolves the choice with
    `customer_for`, so a customer the partner does not serve is a 404, as in the API."""

    customer = forms.CharField(label="Customer", error_messages={"required": "Choose the customer."})

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(pk), name) for pk, name in customers_for(user).values_list("pk", "name")]
        self.fields["customer"].widget = forms.Select(choices=[("", "Choose the customer"), *choices])


class EquipmentStepForm(forms.Form):
    equipment = forms.TypedMultipleChoiceField(
        coerce=int,
        error_messages={
            "required": "Choose at least one chassis.",
            "invalid_choice": "That chassis cannot be chosen: see the reason beside it.",
        },
    )

    def __init__(self, *args: Any, candidates: Sequence[Registration], allowed: set[int], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.candidates = {r.pk: r for r in candidates}
        self.fields["equipment"].choices = [(pk, str(pk)) for pk in self.candidates if pk in allowed]

    def clean_equipment(self) -> list[int]:
        chosen = [self.candidates[pk] for pk in self.cleaned_data["equipment"]]
        vendors = sorted({r.equipment.vendor.name for r in chosen})
        if len(vendors) > 1:
            raise forms.ValidationError(
                f"You picked {' and '.join(vendors)} equipment. A request covers one vendor's programme: "
                "choose one vendor's chassis here and open another request for the others."
            )
        return [r.pk for r in chosen]


class SiteForm(forms.Form):
    name = forms.CharField(label="Site name", max_length=200, help_text="For example Leeds data centre.")
    address = forms.CharField(
        label="Street address",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Where the inspector goes: building, street, town, postcode.",
    )
    country = forms.ChoiceField(
        choices=[("", "Choose the country"), *((c, f"{n} ({c})") for c, n in countries)]
    )
    contact_name = forms.CharField(label="Contact name", max_length=200, help_text="Who meets the inspector.")
    contact_email = forms.EmailField(label="Contact email")
    contact_phone = forms.CharField(
        label="Contact phone", max_length=40, help_text="With the country code, e.g. +44 113 496 0000."
    )


class DateStepForm(forms.Form):
    preferred_inspection_date = forms.DateField(
        label="Preferred inspection date",
        input_formats=[ISO_DATE],  # the one order the page shows; 04/12/2026 reads two ways
        error_messages={"required": "Choose a date.", "invalid": "Enter a date as YYYY-MM-DD."},
    )

    def __init__(
        self, *args: Any, lead_business_days: int, earliest: dt.date, country: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lead_business_days = lead_business_days
        self.country = country
        field = self.fields["preferred_inspection_date"]
        field.widget = IsoDateInput(
            earliest=earliest,
            weekdays_only=True,
            closed_days=holidays_between(earliest, earliest + dt.timedelta(days=366), country),
        )
        field.help_text = f"As YYYY-MM-DD: a weekday that is not a public holiday at the site, {earliest.isoformat()} or later."

    def clean_preferred_inspection_date(self) -> dt.date:
        preferred = self.cleaned_data["preferred_inspection_date"]
        try:
            inspection_date_check(
                lead_business_days=self.lead_business_days, preferred=preferred, country=self.country
            )
        except DomainError as exc:
            raise forms.ValidationError(exc.detail) from exc
        return preferred


def document_field(label: str, help_text: str) -> forms.FileField:
    return forms.FileField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_ACCEPT}),
    )


def checked_document(upload: Any) -> Any:
    """The upload, if its content is an acceptable proof (the service's own check)."""
    if upload:
        try:
            document_check(upload=upload)
        except DomainError as exc:
            raise forms.ValidationError(exc.detail) from exc
    return upload


class DocumentsStepForm(forms.Form):
    proof_of_purchase = document_field(
        "Proof of purchase", "The invoice or receipt for the equipment. PDF, PNG or JPEG, at most 10 MB."
    )
    proof_of_license = document_field(
        "Proof of licence",
        "A document showing a valid software licence for the equipment; programme staff verify it. "
        "PDF, PNG or JPEG, at most 10 MB.",
    )

    def clean_proof_of_purchase(self) -> Any:
        return checked_document(self.cleaned_data.get("proof_of_purchase"))

    def clean_proof_of_license(self) -> Any:
        return checked_document(self.cleaned_data.get("proof_of_license"))

    def uploads(self) -> list[tuple[DocumentKind, Any]]:
        return [
            (DocumentKind(kind), self.cleaned_data[kind]) for kind in DocumentKind if self.cleaned_data[kind]
        ]


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(label="Document", choices=DocumentKind.choices)
    file = forms.FileField(
        label="File",
        help_text="PDF, PNG or JPEG, at most 10 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_ACCEPT}),
        error_messages={"required": "Choose a file to upload."},
    )

    def clean_file(self) -> Any:
        return checked_document(self.cleaned_data["file"])


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Reason", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="Reason for rejecting",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The customer and its partner read this.",
        error_messages={"required": "Say why the request is rejected; the customer will read it."},
    )


OPEN = "open"


class RequestFilterForm(forms.Form):
    """The list's filters; a bad value is ignored rather than answered with an error."""

    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any status"), (OPEN, "Open (not closed)"), *RequestStatus.choices],
        widget=PlainSelect,
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user.role != Role.CUSTOMER:
            customers = customers_for(user).values_list("pk", "name")
            self.fields["customer"] = forms.TypedChoiceField(
                required=False, coerce=int, choices=[("", "All customers"), *customers], widget=PlainSelect
            )

    def apply(self, requests: QuerySet[Request]) -> QuerySet[Request]:
        if not self.is_valid():
            return requests
        status, customer = self.cleaned_data["status"], self.cleaned_data.get("customer")
        if status == OPEN:
            requests = requests.open()  # type: ignore[attr-defined]
        elif status:
            requests = requests.filter(status=status)
        if customer:
            requests = requests.filter(customer_id=customer)
        return requests
