"""Pages: the buyer's serial check, one serial or up to 10,000 pasted at once (also as CSV)."""

import csv
import io
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal import selectors as portal_selectors
from relicensing import selectors
from relicensing.choices import Reason
from relicensing.eligibility import PATHS, REASONS, Explanation
from relicensing.forms import BulkCheckForm, SerialCheckForm
from relicensing.models import Vendor
from relicensing.serials import serial_refusal, serial_rule
from relicensing.services.imports.files import cell_neutral

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
    # Added after the first columns, at the end, so a spreadsheet reading columns by position
    # still finds the old ones where they were.
    "format_valid",
    "registered_elsewhere",
]

# The rules' wording of `unknown_product` speaks of a model that was given and is missing from
# the catalog. A buyer who named no model for a serial nobody registered hears that instead
# (a model typed and missing from the catalog is refused by the form, beside the field).
MODEL_NOT_NAMED = Explanation(
    "Model not named",
    "Nobody has registered this serial, so the check knows its model only when you name it, "
    "and cannot judge it without one.",
    "Name the model on offer, from the chassis label or the seller's listing, and check again.",
)

# The badges a result wears, in this order, the same on the single and the bulk page.
ELIGIBLE = ("Eligible", "badge-ok")
NOT_ELIGIBLE = ("Not eligible", "badge-danger")
WRONG_FORMAT = ("Not a valid serial", "badge-danger")
REGISTERED_ELSEWHERE = ("Registered by another organisation", "badge-warn")


@login_required
def serial_check(request: HttpRequest) -> HttpResponse:
    form = SerialCheckForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "result": None, "products": _products_by_vendor()}
    if form.is_valid():
        vendor = form.cleaned_data["vendor"]
        results = portal_selectors.serial_checks(
            user=request.user,  # type: ignore[arg-type]  # login_required: never anonymous
            vendor=vendor,
            serial_numbers=[form.cleaned_data["serial_number"]],
            product=form.cleaned_data["product_obj"],
        )
        result = _shown(results[0]) if results else None
        context.update(
            result=result,
            refusal=serial_refusal(vendor, result["serial_number"])
            if result and not result["format_valid"]
            else "",
        )
    return render(request, "relicensing/serial_check.html", context)


@login_required
def serial_check_bulk(request: HttpRequest) -> HttpResponse:
    form = BulkCheckForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "products": _products_by_vendor()}
    if request.method == "POST" and form.is_valid():
        vendor = form.cleaned_data["vendor"]
        results = portal_selectors.serial_checks(
            user=request.user,  # type: ignore[arg-type]  # login_required: never anonymous
            vendor=vendor,
            serial_numbers=form.cleaned_data["serials"],
            product=form.cleaned_data["product_obj"],
        )
        if request.POST.get("format") == "csv":
            return _csv_response(vendor, results)
        rows = [_shown(r) for r in results]
        context.update(
            results=rows,
            summary=_summary(results),
            serial_rule=serial_rule(vendor),
            path_codes=[code for code in PATHS if code in {r["path"] for r in rows}],
            legend=_legend(rows),
        )
    return render(request, "relicensing/serial_check_bulk.html", context)


def _products_by_vendor() -> list[Vendor]:
    return list(selectors.vendor_list().prefetch_related("products"))


def _shown(result: dict[str, Any]) -> dict[str, Any]:
    """A result with what its page shows: its badges and each reason explained for a buyer."""
    return {**result, "badges": _badges(result), "explained": _explained(result)}


def _badges(result: dict[str, Any]) -> list[tuple[str, str]]:
    badges = [ELIGIBLE if result["eligible"] else NOT_ELIGIBLE]
    if not result["format_valid"]:
        badges.append(WRONG_FORMAT)
    if result["registered_elsewhere"]:
        badges.append(REGISTERED_ELSEWHERE)
    return badges


def _explained(result: dict[str, Any]) -> list[tuple[str, Explanation]]:
    return [
        (
            code,
            MODEL_NOT_NAMED
            if code == Reason.UNKNOWN_PRODUCT and not result["known"]
            # A code added to the rules before its wording still shows, rather than breaking the page.
            else REASONS.get(code, Explanation(code.replace("_", " ").capitalize(), "", "")),
        )
        for code in result["reasons"]
    ]


def _legend(rows: list[dict[str, Any]]) -> list[tuple[str, Explanation]]:
    """Each reason on the page explained once, in the rules' order; a model not named is told
    apart from a registered unit whose model is missing from the catalog."""
    seen: dict[tuple[str, str], Explanation] = {}
    for row in rows:
        for code, explanation in row["explained"]:
            seen.setdefault((code, explanation.title), explanation)
    rank = {code: n for n, code in enumerate(REASONS)}
    ordered = sorted(seen.items(), key=lambda item: rank.get(item[0][0], len(rank)))
    return [(code, explanation) for (code, _title), explanation in ordered]


def _summary(results: list[dict[str, Any]]) -> dict[str, int]:
    return {
        "total": len(results),
        "eligible": sum(1 for r in results if r["eligible"]),
        "not_eligible": sum(1 for r in results if not r["eligible"]),
        "known": sum(1 for r in results if r["known"]),
        "malformed": sum(1 for r in results if not r["format_valid"]),
        "registered_elsewhere": sum(1 for r in results if r["registered_elsewhere"]),
    }


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
