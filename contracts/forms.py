"""Forms for the quote pages: the add-ons a partner puts on a quote, chassis by chassis."""

from typing import Any

from django import forms

from contracts.choices import ADDON_KINDS
from contracts.models import Sku
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
