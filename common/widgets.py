"""Form widgets shared by the apps' pages."""

import datetime as dt
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

ISO_DATE = "%Y-%m-%d"


class IsoDateInput(forms.DateInput):
    """A date as YYYY-MM-DD, whatever the browser's locale, with a calendar beside it that
    static/js/date_picker.js adds (the calendar is static/vendor/cally).

    A text field, not `<input type="date">`: browsers show that one in their locale's order
    (mm/dd/yyyy in the US), which reads differently from every other date here. Without the
    script the field still takes typed YYYY-MM-DD, and the form checks it on the server either
    way. `earliest`, `weekdays_only` and `closed_days` (public holidays) tell the calendar which days the server refuses, so it
    opens at the first allowed day and never offers a refused one."""

    input_type = "text"

    def __init__(
        self,
        *,
        earliest: dt.date | None = None,
        weekdays_only: bool = False,
        closed_days: list[dt.date] | None = None,
        attrs: dict[str, Any] | None = None,
    ) -> None:
        picker = {
            "placeholder": "YYYY-MM-DD",
            "autocomplete": "off",
            "spellcheck": "false",
            "maxlength": "10",
            "class": "date-input",
            "data-date-picker": "",
        }
        if earliest is not None:
            picker["data-earliest"] = earliest.isoformat()
        if weekdays_only:
            picker["data-weekdays-only"] = ""
        if closed_days:
            picker["data-closed-days"] = " ".join(d.isoformat() for d in closed_days)
        super().__init__(attrs={**picker, **(attrs or {})}, format=ISO_DATE)


class PlainSelect(forms.Select):
    """A `<select>` written in one pass here. Django's renders every option through a template of
    its own: on a list page's filters (vendors, products, customers, statuses) that cost more than
    the list itself. Flat choices only (no groups), as the filters have."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        chosen = set(self.format_value(value))
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((v, mark_safe(" selected") if str(v) in chosen else "", label) for v, label in self.choices),
        )
        return format_html(
            "<select{}>{}</select>", flatatt({**self.build_attrs(self.attrs, attrs), "name": name}), options
        )
