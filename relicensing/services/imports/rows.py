"""A bulk registration's rows checked one by one against the catalog: what each row's cells come
to, or why the row is refused (a bad row never stops a good one), and serials listed twice."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from common.echo import value_echo
from relicensing.choices import AcquisitionChannel, Condition
from relicensing.models import Product, Vendor
from relicensing.serials import serial_matches, serial_normalise, serial_refusal
from relicensing.services.imports.files import UNREADABLE, Row, echo


@dataclass(slots=True)
class ValidRow:
    """A row that passed every check, as the writes take it."""

    row: int
    vendor: Vendor
    vendor_id: int  # the ids, read per row where `vendor.pk` would cost a property call each time
    serial: str
    product_id: int | None
    reported_model: str
    channel: str
    acquired_from: str
    acquired_on: dt.date | None
    condition: str


class Catalog:
    """Vendors and products loaded once per import, looked up per row without queries."""

    def __init__(self) -> None:
        self.vendors = {v.slug: v for v in Vendor.objects.all()}
        self.products = {(p.vendor_id, p.model.upper()): p for p in Product.objects.all()}
        # What the cells other than the serial and the seller come to: most rows of a file repeat them.
        self.cells: dict[tuple[Any, ...], _Cells] = {}


def rows_check(
    rows: Iterable[Row], *, seen: dict[tuple[int, str], int], catalog: Catalog, rejected: list[dict[str, Any]]
) -> list[ValidRow]:
    """The valid rows; the others, and repeats of a serial seen earlier in the file, go to `rejected`."""
    valid: list[ValidRow] = []
    for number, cells in rows:
        checked = _row_validate(number, cells, catalog)
        if isinstance(checked, dict):
            rejected.append(checked)
            continue
        key = (checked.vendor_id, checked.serial)
        if key in seen:
            rejected.append(
                {
                    "row": number,
                    "serial_number": checked.serial,
                    "errors": [f"serial_number: also on row {seen[key]}"],
                }
            )
            continue
        seen[key] = number
        valid.append(checked)
    return valid


CHANNELS = frozenset(AcquisitionChannel.values)
CONDITIONS = frozenset(Condition.values)


@dataclass(slots=True)
class _Cells:
    """A row's vendor, product, channel, condition and date, checked (the serial is checked apart)."""

    vendor: Vendor | None
    vendor_errors: list[str]
    product_id: int | None
    reported_model: str
    channel: str
    condition: str
    acquired_on: dt.date | None
    errors: list[str]


def _row_validate(number: int, cells: dict[str, str], catalog: Catalog) -> ValidRow | dict[str, Any]:
    if UNREADABLE in cells:
        return {"row": number, "serial_number": "", "errors": [cells[UNREADABLE]]}
    get = cells.get
    key = (
        get("vendor", ""),
        get("product", ""),
        get("acquisition_channel", ""),
        get("condition"),
        get("acquired_on"),
    )
    checked = catalog.cells.get(key)
    if checked is None:
        checked = catalog.cells[key] = _cells_validate(*key, catalog=catalog)
    vendor = checked.vendor
    errors = [*checked.vendor_errors]
    raw_serial = get("serial_number", "")
    serial = serial_normalise(raw_serial)
    if not serial:
        errors.append("serial_number: missing")
    elif vendor is not None and not serial_matches(vendor, serial):
        errors.append(f"serial_number: {serial_refusal(vendor, serial)}")
    errors += checked.errors
    acquired_from = get("acquired_from", "")
    if len(acquired_from) > 200:
        errors.append("acquired_from: longer than 200 characters")
    if errors or vendor is None:
        # A cell may hold up to MAX_CELL_CHARS; the answer, the job page and the report show its start.
        return {"row": number, "serial_number": value_echo(serial or raw_serial), "errors": errors}
    return ValidRow(
        number,
        vendor,
        vendor.id,
        serial,
        checked.product_id,
        checked.reported_model,
        checked.channel,
        acquired_from,
        checked.acquired_on,
        checked.condition,
    )


def _cells_validate(
    vendor_cell: str,
    model_cell: str,
    channel_cell: str,
    condition_cell: str | None,
    acquired_on_cell: str | None,
    *,
    catalog: Catalog,
) -> _Cells:
    vendor = catalog.vendors.get(vendor_cell.strip().lower())
    vendor_errors = []
    if vendor is None:
        vendor_errors.append(
            f"vendor: unknown vendor {echo(vendor_cell)} (use {', '.join(sorted(catalog.vendors))})"
        )
    errors: list[str] = []
    model = model_cell.strip()
    if not model:
        errors.append("product: missing")
    channel = channel_cell.strip().lower()
    if channel not in CHANNELS:
        errors.append(f"acquisition_channel: must be one of {', '.join(sorted(CHANNELS))}")
    condition = (condition_cell or Condition.WORKING).strip().lower()
    if condition not in CONDITIONS:
        errors.append(f"condition: must be one of {', '.join(sorted(CONDITIONS))}")
    acquired_on = None
    if acquired_on_cell:
        try:
            acquired_on = dt.date.fromisoformat(acquired_on_cell.strip())
        except ValueError:
            errors.append("acquired_on: not a date (use YYYY-MM-DD)")
    product = catalog.products.get((vendor.id, model.upper())) if vendor is not None else None
    return _Cells(
        vendor,
        vendor_errors,
        product.id if product else None,
        "" if product else model[:100],
        channel,
        condition,
        acquired_on,
        errors,
    )
