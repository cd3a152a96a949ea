"""Exports of the installed base: a person's equipment with its eligibility, as CSV or XLSX.

Both formats read the rows through one server-side cursor (`iterator(chunk_size=...)`) as plain
tuples, never as model objects, so half a million registrations pass through a fixed amount of
memory. The CSV is streamed as it is read; the XLSX is written row by row (openpyxl's write-only
workbook) to a temporary file, which is then streamed, or, past XLSX_MAX_ROWS, by a background
job to storage. Contracts' export (contracts/exports.py)
goes through the same two writers.
"""

import csv
import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from openpyxl import Workbook

from accounts.models import User
from common.paging import count_bounded
from relicensing import selectors
from relicensing.choices import AcquisitionChannel, Condition
from relicensing.eligibility import PATHS, REASONS
from relicensing.forms import EquipmentFilterForm
from relicensing.models import Registration
from relicensing.services.imports.files import cell_neutral

# Rows fetched from the cursor at a time, and CSV rows sent to the client per write.
CHUNK_SIZE = 2000
CSV_ROWS_PER_WRITE = 500

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

EQUIPMENT_HEADER = (
    "Serial",
    "Vendor",
    "Product",
    "Customer",
    "Channel",
    "Condition",
    "Acquired on",
    "Acquired from",
    "Eligible",
    "Path",
    "Reasons",
)

_EQUIPMENT_FIELDS = (
    "equipment__serial_number",
    "equipment__vendor__name",
    "equipment__product__model",
    "equipment__reported_model",
    "organization__name",
    "acquisition_channel",
    "condition",
    "acquired_on",
    "acquired_from",
    "eligible",
    "path",
    "reasons",
)

_CHANNELS = dict(AcquisitionChannel.choices)
_CONDITIONS = dict(Condition.choices)

Cell = str | dt.date | None
Row = Sequence[Cell]


def equipment_rows(registrations: QuerySet[Registration]) -> Iterator[Row]:
    """One row per registration, in the queryset's order, with eligibility in words."""
    values = registrations.values_list(*_EQUIPMENT_FIELDS)
    for (
        serial,
        vendor,
        model,
        reported_model,
        customer,
        channel,
        condition,
        acquired_on,
        acquired_from,
        eligible,
        path,
        reasons,
    ) in values.iterator(chunk_size=CHUNK_SIZE):
        yield (
            serial,
            vendor,
            model or reported_model,
            customer,
            _CHANNELS.get(channel, channel),
            _CONDITIONS.get(condition, condition),
            acquired_on,
            acquired_from,
            "yes" if eligible else "no",
            PATHS[path].title if path in PATHS else path,
            "; ".join(REASONS[code].title if code in REASONS else code for code in reasons),
        )


def export_filename(stem: str, extension: str) -> str:
    """`equipment-2026-12-07.csv`: what it holds and the day it was taken."""
    return f"{stem}-{timezone.localdate().isoformat()}.{extension}"


def _cell(value: Cell) -> Cell:
    """Text a spreadsheet would run as a formula is neutralised; dates stay dates."""
    return cell_neutral(value) if isinstance(value, str) else value


class _Line:
    """csv.writer's target: hands back what it was given, so rows are written as strings."""

    def write(self, text: str) -> str:
        return text


def csv_chunks(header: Row, rows: Iterable[Row]) -> Iterator[str]:
    """The CSV text, a few hundred rows at a time. The rows are read inside a transaction of
    their own so the cursor streams (a cursor outside one is materialised by Postgres first):
    the request's own transaction (ATOMIC_REQUESTS) has committed by the time this runs."""
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(header)  # the byte-order mark: Excel reads the file as UTF-8
    with transaction.atomic():
        batch: list[str] = []
        for row in rows:
            batch.append(writer.writerow([_cell(value) for value in row]))
            if len(batch) >= CSV_ROWS_PER_WRITE:
                yield "".join(batch)
                batch = []
        if batch:
            yield "".join(batch)


# An XLSX file is a zip written whole before its first byte can go (openpyxl draws about 3,000
# rows a second), so a web request builds one of at most this many rows, well inside the web
# worker's time limit; a longer one is written by a background job (relicensing.services.exports)
# and downloaded from its page once ready. CSV streams as it is read, at any length.
XLSX_MAX_ROWS = 50_000


@dataclass(frozen=True)
class ExportSource:
    """What one export holds: its columns, its rows (read through a cursor when iterated), what
    counts them, and its sheet title and file name stem."""

    header: Row
    rows: Iterable[Row]
    counted: QuerySet[Any]
    title: str
    stem: str


def equipment_export_source(*, user: User, params: QueryDict) -> ExportSource:
    """The registrations the person may see, with the page's filters (the same form, the same
    query string); a cursor from the page's paging is ignored: the export holds every match."""
    registrations = EquipmentFilterForm(params, user=user).apply(selectors.registration_list(user=user))
    return ExportSource(
        EQUIPMENT_HEADER, equipment_rows(registrations), registrations, "Equipment", "equipment"
    )


def xlsx_offer_background(
    request: HttpRequest, source: ExportSource, *, kind: str, list_url: str
) -> HttpResponse | None:
    """When the list is over XLSX_MAX_ROWS, a page offering to write the spreadsheet in the
    background (a button, so following a link never starts one); else None."""
    count = count_bounded(source.counted)
    if count.n <= XLSX_MAX_ROWS:
        return None
    query = request.GET.urlencode()
    context = {
        "rows": count.n,
        "exact": count.exact,
        "kind": kind,
        "title": source.title,
        "query": query,
        "list_url": f"{list_url}?{query}" if query else list_url,
        "csv_url": request.path.rsplit(".", 1)[0] + ".csv" + (f"?{query}" if query else ""),
        "max_rows": XLSX_MAX_ROWS,
    }
    return render(request, "relicensing/export_offer.html", context)


def csv_response(header: Row, rows: Iterable[Row], *, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_chunks(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_write(header: Row, rows: Iterable[Row], *, title: str, target: IO[bytes]) -> None:
    """The rows as one sheet of a workbook, written to `target` without holding them."""
    workbook = Workbook(write_only=True)
    sheet: Any = workbook.create_sheet(title=title)
    sheet.freeze_panes = "A2"
    sheet.append(list(header))
    for row in rows:
        sheet.append([_cell(value) for value in row])
    workbook.save(target)


def xlsx_response(header: Row, rows: Iterable[Row], *, title: str, filename: str) -> FileResponse:
    # Deleted when closed, which FileResponse does once the last byte is sent.
    target = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    try:
        with transaction.atomic():  # the cursor streams inside a transaction, as the CSV's does
            xlsx_write(header, rows, title=title, target=target)
    except BaseException:
        target.close()
        raise
    target.seek(0)
    return FileResponse(target, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
