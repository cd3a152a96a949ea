"""The files of a bulk registration: an uploaded CSV or XLSX read into rows within bounds (its size,
rows, columns and cells, and what a spreadsheet's zip expands to), and the CSV files handed back:
the template and the per-row error report."""

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils import timezone

from common.echo import value_echo
from common.errors import DomainError
from relicensing.choices import AcquisitionChannel, Condition
from relicensing.models import Product

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
# The longest cell any column takes is 200 characters (acquired_from); past this a cell is not a
# value but an attack or an accident, and the whole file is refused without echoing it.
MAX_CELL_CHARS = 1_000
# An XLSX is a zip: what its parts expand to is bounded, whatever the sheet declares.
MAX_XLSX_EXPANDED_BYTES = 100 * 1024 * 1024
MAX_COLUMNS = 16  # the import's 7 columns and room for a few the reader ignores
COLUMNS = [
    "vendor",
    "serial_number",
    "product",
    "acquisition_channel",
    "acquired_from",
    "acquired_on",
    "condition",
]
REQUIRED_COLUMNS = ["vendor", "serial_number", "product", "acquisition_channel"]

Row = tuple[int, dict[str, str]]  # (row number as a spreadsheet shows it, cells by column)


def rows_read(*, content: bytes, filename: str = "") -> list[Row]:
    """Rows of a CSV (UTF-8 with or without BOM, or Latin-1) or XLSX file, judged by content."""
    _size_check(content)
    is_xlsx = content[:4] == b"PK\x03\x04"
    table = _xlsx_table(content) if is_xlsx else _csv_table(content)
    header = _header(next(table, []))
    rows: list[Row] = []
    for number, cells in enumerate(table, start=2):
        # Blank lines count too: a sheet whose rows jump to 1,048,576 is a million rows to walk.
        if number - 1 > MAX_ROWS:
            raise DomainError(
                f"The file has more than {MAX_ROWS:,} rows; split it into smaller files.",
                code="too_many_rows",
            )
        if isinstance(cells, Unreadable):
            rows.append((number, {UNREADABLE: str(cells)}))
            continue
        if is_xlsx:
            if _blank(cells):
                continue
            values = {
                name: _cell_text(value)
                for name, value in zip(header, cells, strict=False)
                if value is not None
            }
            _cells_check(number, values)
        else:  # text cells, never None: stripped once, blank when every cell is
            stripped = [cell.strip() for cell in cells]
            if not any(stripped):
                continue
            values = dict(zip(header, stripped, strict=False))
            if max(map(len, stripped)) > MAX_CELL_CHARS:  # only then is a cell worth naming
                _cells_check(number, values)
        rows.append((number, values))
    if not rows:
        raise DomainError("The file has a header row but no data rows.", code="empty_file")
    return rows


def _size_check(content: bytes) -> None:
    if not content.strip():
        raise DomainError("The file is empty.", code="empty_file")
    if len(content) > MAX_FILE_BYTES:
        raise DomainError(
            f"The file is {len(content) / 1_048_576:.1f} MB; the limit is {MAX_FILE_BYTES // 1_048_576} MB. "
            "Split it into smaller files.",
            code="file_too_large",
        )


def _header(cells: Iterable[Any]) -> list[str]:
    """The first row's column names, as the rows' cells are keyed; refused without the required ones."""
    header = [str(cell or "").strip().lower().replace(" ", "_") for cell in cells]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if not any(header) or missing:
        raise DomainError(
            f"The first row must name the columns; missing: {', '.join(missing or REQUIRED_COLUMNS)}. "
            f"Expected columns: {', '.join(COLUMNS)}.",
            code="missing_columns",
            missing=missing or REQUIRED_COLUMNS,
        )
    return header


class Unreadable(str):
    """A line that could not be read as CSV; its text is the reason, reported for that row."""


UNREADABLE = "__unreadable__"


def _cells_check(number: int, values: dict[str, str]) -> None:
    for name, value in values.items():
        if len(value) > MAX_CELL_CHARS:
            raise cell_too_long(number, column=name, text=value)


def cell_too_long(number: int, *, column: str, text: str) -> DomainError:
    """The whole file is refused: a cell this long is no serial, product or name, and repeating
    it would make the answer as large as the attack."""
    where = f"Row {number}, column {echo(column)}" if column else f"Row {number}"
    return DomainError(
        f"{where}: a cell is longer than {MAX_CELL_CHARS:,} characters (it starts {echo(text)}). "
        "Correct it and upload the file again.",
        code="cell_too_long",
        row=number,
    )


def echo(text: str) -> str:
    """A refused value as an answer may repeat it: its first few characters, quoted."""
    return repr(value_echo(text))


def _blank(cells: list[Any]) -> bool:
    """Blank lines (and spreadsheet rows of empty cells) are not rows."""
    return not "".join("" if c is None else str(c) for c in cells).strip()


def _csv_table(content: bytes) -> Iterator[list[str] | Unreadable]:
    """Records of a CSV file. No column of an import holds a line break, so when a record spans
    lines (a quote opened and never closed swallows every row after it) or cannot be parsed (a
    cell longer than the csv module allows), the file is read again line by line: each line is
    its own row, and only the broken one is reported."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("latin-1")
    if "\x00" in text:
        raise DomainError("This does not look like a CSV or XLSX file.", code="unreadable_file")
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        records = None
    if records is not None and not _records_span_lines(text, records):
        return iter(records)
    return (_csv_line(number, line) for number, line in enumerate(text.splitlines(), start=1))


def _records_span_lines(text: str, records: list[list[str]]) -> bool:
    """Whether a cell holds a line break. Only a quoted cell can, so a file with no quotation
    mark (most exports) is not searched; the others are searched as one string (the file holds
    no NUL, checked above)."""
    if '"' not in text:
        return False
    cells = "\x00".join(["\x00".join(record) for record in records])
    return "\n" in cells or "\r" in cells


def _csv_line(number: int, line: str) -> list[str] | Unreadable:
    try:
        cells = next(csv.reader([line]), [])
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise cell_too_long(number, column="", text=line) from exc
        return Unreadable(f"the line cannot be read as CSV ({exc})")
    if line.count('"') % 2:
        return Unreadable("a quotation mark is opened and never closed on this line")
    return cells


def _xlsx_table(content: bytes) -> Iterator[list[Any]]:
    """The first sheet's rows, read-only (its XML streamed through defusedxml, which openpyxl uses
    when installed), by the cells actually present: the dimension a sheet declares is ignored,
    since `A1:XFD1048576` would pad every row to 16,384 cells and add a million empty rows."""
    from openpyxl import load_workbook

    _xlsx_size_check(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
    except Exception as exc:
        raise DomainError(
            "The spreadsheet could not be opened; save it again as .xlsx.", code="unreadable_file"
        ) from exc
    return _xlsx_rows(sheet)


def _xlsx_size_check(content: bytes) -> None:
    """Refuse a zip whose parts expand past the cap before any of it is parsed (a zip member
    is never read past the size it declares, so the declared sizes bound the work)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            expanded = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise DomainError(
            "The spreadsheet could not be opened; save it again as .xlsx.", code="unreadable_file"
        ) from exc
    if expanded > MAX_XLSX_EXPANDED_BYTES:
        raise DomainError(
            f"The spreadsheet expands to {expanded / 1_048_576:.0f} MB; the limit is "
            f"{MAX_XLSX_EXPANDED_BYTES // 1_048_576} MB. Split it into smaller files.",
            code="file_too_large",
        )


def _xlsx_rows(sheet: Any) -> Iterator[list[Any]]:
    """A read-only workbook parses its sheet while it is read: a damaged sheet is a clear 400
    then, not a crash halfway. Only the first MAX_COLUMNS columns are read."""
    try:
        for row in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
            yield list(row)
    except Exception as exc:
        raise DomainError(
            "The spreadsheet is damaged and could not be read to the end; save it again as .xlsx.",
            code="unreadable_file",
        ) from exc


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def template_csv() -> str:
    """The import template: the header, then one example row made from the catalog (a vendor's
    example serial and one of its chassis), so the expected shape of each cell is plain."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    product = (
        Product.objects.filter(is_chassis=True)
        .exclude(vendor__serial_example="")
        .select_related("vendor")
        .first()
    )
    if product is not None:
        acquired_on = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
        writer.writerow([
            product.vendor.slug, product.vendor.serial_example, product.model,
            AcquisitionChannel.SECONDARY_MARKET, "Example Broker Ltd", acquired_on, Condition.WORKING,
        ])  # fmt: skip
    return buffer.getvalue()


def error_report_csv(rejected: list[dict[str, Any]]) -> str:
    """The per-row error report; cells a spreadsheet would run as formulas are neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["row", "serial_number", "errors"])
    for item in rejected:
        writer.writerow(
            [item["row"], cell_neutral(str(item["serial_number"])), cell_neutral("; ".join(item["errors"]))]
        )
    return buffer.getvalue()


def cell_neutral(cell: str) -> str:
    """A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR) is prefixed with a quote."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell
