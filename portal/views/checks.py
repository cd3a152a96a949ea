"""Pages: the buyer's serial check, one serial or up to 10,000 pasted at once (also as CSV)."""

import csv
import io
from collections import Counter
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal import selectors as portal_selectors
from relicensing import selectors
from relicensing.forms import BulkCheckForm, SerialCheckForm
from relicensing.models import Vendor
from relicensing.serials import serial_matches
from relicensing.services.imports import cell_neutral
from relicensing.views.legend import legend

CSV_COLUMNS = [
    "vendor",
    "serial_number",
    "known",
    "product",
    "end_of_support",
    "compliance_hold",
    "reported_lost_or_stolen",
    "counterfeit",
    "under_contract",
    "eligible",
    "path",
    "reasons",
]


@login_required
def serial_check(request: HttpRequest) -> HttpResponse:
    form = SerialCheckForm(request.GET or None)
    result = None
    if form.is_valid():
        vendor = form.cleaned_data["vendor"]
        [result] = portal_selectors.serial_checks(
            vendor=vendor,
            serial_numbers=[form.cleaned_data["serial_number"]],
            product=form.cleaned_data["product_obj"],
        )
        result["looks_valid"] = serial_matches(vendor, result["serial_number"])
    context = {"form": form, "result": result, "products": _products_by_vendor()}
    return render(request, "relicensing/serial_check.html", context)


@login_required
def serial_check_bulk(request: HttpRequest) -> HttpResponse:
    form = BulkCheckForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "products": _products_by_vendor()}
    if request.method == "POST" and form.is_valid():
        vendor = form.cleaned_data["vendor"]
        results = portal_selectors.serial_checks(
            vendor=vendor,
            serial_numbers=form.cleaned_data["serials"],
            product=form.cleaned_data["product_obj"],
        )
        if request.POST.get("format") == "csv":
            return _csv_response(vendor, results)
        context.update(
            results=results, summary=_summary(results), **legend((r["path"], r["reasons"]) for r in results)
        )
    return render(request, "relicensing/serial_check_bulk.html", context)


def _products_by_vendor() -> list[Vendor]:
    return list(selectors.vendor_list().prefetch_related("products"))


def _summary(results: list[dict[str, Any]]) -> dict[str, int]:
    counts = Counter("eligible" if r["eligible"] else "not_eligible" for r in results) + Counter(
        "known" for r in results if r["known"]
    )
    return {"total": len(results), **{k: counts[k] for k in ("eligible", "not_eligible", "known")}}


def _csv_response(vendor: Vendor, results: list[dict[str, Any]]) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for result in results:
        cells = {**result, "reasons": " ".join(result["reasons"])}
        writer.writerow([_cell(cells[column]) for column in CSV_COLUMNS])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="serial-check-{vendor.slug}.csv"'
    return response


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return cell_neutral(str(value))
