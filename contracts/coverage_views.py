"""Page: the bulk coverage check, up to 1,000 pasted serials, as a table or a CSV download."""

import csv
import io
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from common.errors import InvalidInput
from contracts.coverage import COVERAGE_CHECK_MAX, Coverage, coverage_check
from relicensing.forms import SERIAL_SEPARATORS, vendor_field
from relicensing.models import Vendor
from relicensing.services.imports.files import cell_neutral

CSV_COLUMNS = ["serial_number", "covered", "contract", "ends_on"]


class CoverageCheckForm(forms.Form):
    vendor = vendor_field()
    serials = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
        help_text=f"Up to {COVERAGE_CHECK_MAX:,} serials, one per line or separated by commas.",
    )

    def clean_serials(self) -> list[str]:
        serials = [s for s in SERIAL_SEPARATORS.split(self.cleaned_data["serials"]) if s]
        if not serials:
            raise forms.ValidationError("Paste at least one serial number.")
        return serials


@login_required
def coverage_check_page(request: HttpRequest) -> HttpResponse:
    form = CoverageCheckForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "results": None, "limit": COVERAGE_CHECK_MAX}
    if request.method == "POST" and form.is_valid():
        vendor = form.cleaned_data["vendor"]
        try:
            results = coverage_check(
                user=request.user,  # type: ignore[arg-type]  # login_required: never anonymous
                vendor=vendor,
                serial_numbers=form.cleaned_data["serials"],
            )
        except InvalidInput as refused:  # more than the limit: said beside the field
            form.add_error("serials", refused.fields["serial_numbers"])
        else:
            if request.POST.get("format") == "csv":
                return _csv_response(vendor, results)
            covered = sum(1 for r in results if r.covered)
            context.update(
                results=results,
                summary={"total": len(results), "covered": covered, "not": len(results) - covered},
            )
    return render(request, "contracts/coverage.html", context)


def _csv_response(vendor: Vendor, results: list[Coverage]) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for r in results:
        writer.writerow(
            [
                cell_neutral(r.serial_number),
                "yes" if r.covered else "no",
                r.contract or "",
                r.ends_on.isoformat() if r.ends_on else "",
            ]
        )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="coverage-{vendor.slug}.csv"'
    return response
