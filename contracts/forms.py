"""Forms for the quote pages: the add-ons a partner puts on a quote, chassis by chassis, and the
partner's own reference and note."""

import hashlib
import json
from typing import Any

from django import forms

from common.errors import InvalidInput
from contracts.choices import ADDON_KINDS
from contracts.models import Sku
from contracts.services.quotes import NOTE_MAX_LENGTH, REFERENCE_MAX_LENGTH, quote_remarks_clean
from relicensing.models import RequestItem

MAX_QUANTITY = 10_000


class AddonForm(forms.Form):
    """A quantity for every add-on licence or subscription that applies to each chassis of the
    request (0: not wanted). Only SKUs the price book ties to the chassis's product are offered."""

    def __init__(self, *args: Any, items: list[RequestItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chassis: list[tuple[RequestItem, list[tuple[Sku, str]]]] = []
        for item in items:
            product = item.equipment.product
            skus = sorted(
                (sku for sku in (product.skus.all() if product else []) if sku.kind in ADDON_KINDS),
                key=lambda sku: sku.code,
            )
            names = []
            for sku in skus:
                name = f"addon-{item.registration_id}-{sku.code}"
                self.fields[name] = forms.IntegerField(
                    label=f"{sku.code} for {item.equipment.serial_number}",
                    min_value=0,
                    max_value=MAX_QUANTITY,
                    initial=0,
                    required=False,
                    widget=forms.NumberInput(attrs={"class": "qty", "inputmode": "numeric"}),
                )
                names.append((sku, name))
            self.chassis.append((item, names))

    def addons(self) -> list[dict[str, Any]]:
        """In the shape quote_issue takes, chassis by chassis, SKU by SKU."""
        if not self.is_bound or not self.is_valid():
            return []
        return [
            {"equipment": item.registration_id, "sku": sku.code, "quantity": self.cleaned_data[name]}
            for item, pairs in self.chassis
            for sku, name in pairs
            if self.cleaned_data.get(name)
        ]

    def rows(self) -> list[tuple[RequestItem, list[tuple[Sku, forms.BoundField]]]]:
        return [(item, [(sku, self[name]) for sku, name in pairs]) for item, pairs in self.chassis]


def addons_signature(addons: list[dict[str, Any]]) -> str:
    """A short text naming exactly the add-ons previewed, so Issue issues what was shown."""
    return ";".join(f"{a['equipment']}:{a['sku']}:{a['quantity']}" for a in addons)


class QuoteRemarksForm(forms.Form):
    """The issuer's reference and note. quote_remarks_clean judges them, as it does on issue, so the
    preview shows them exactly as the quote will carry them, or says what is wrong on the field."""

    reference = forms.CharField(
        label="Your reference",
        required=False,
        strip=False,
        help_text="Your own reference for this quote, such as your order or opportunity number; "
        "printed on the quote.",
        widget=forms.TextInput(attrs={"maxlength": REFERENCE_MAX_LENGTH, "autocomplete": "off"}),
    )
    note = forms.CharField(
        label="Note to the customer",
        required=False,
        strip=False,
        help_text="Shown on the quote page and the PDF, as plain text. It cannot change a price: "
        "prices come from the price book.",
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": NOTE_MAX_LENGTH}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            cleaned["reference"], cleaned["note"] = quote_remarks_clean(
                reference=cleaned.get("reference", ""), note=cleaned.get("note", "")
            )
        except InvalidInput as exc:
            for field, messages in exc.fields.items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        return cleaned

    def remarks(self) -> dict[str, str]:
        """In the shape quote_issue takes; nothing while the fields are wrong."""
        if not self.is_bound or not self.is_valid():
            return {"reference": "", "note": ""}
        return {"reference": self.cleaned_data["reference"], "note": self.cleaned_data["note"]}


def remarks_signature(remarks: dict[str, str]) -> str:
    """A short fingerprint of the reference and note previewed (empty when there are none), so
    Issue issues the words that were shown."""
    if not any(remarks.values()):
        return ""
    text = json.dumps([remarks["reference"], remarks["note"]])
    return hashlib.sha256(text.encode()).hexdigest()[:16]
