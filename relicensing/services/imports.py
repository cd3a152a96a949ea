"""Bulk registration from CSV or XLSX: read, validate per row, insert set-based.

A bad row never stops a good one; a re-upload creates nothing twice: under the serial locks the
rows already registered are skipped and the rest are COPYed in, and should a path that does not
take the locks have written one of those units or claims meanwhile, the unique keys single
registration uses refuse the COPY and the batch goes in through ON CONFLICT DO NOTHING inserts. Large files run as an ImportJob in a
worker on its own queue, in chunks that commit with the job's progress, so progress shows, a
failure halfway loses no finished chunk, and a job whose worker died resumes where it stopped.
A job the broker never received (it was down at upload) waits, queued, for the sweep.
"""

import csv
import datetime as dt
import io
import logging
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Organization, User
from accounts.permissions import action_require
from common.echo import value_echo
from common.errors import DomainError, ServiceError
from common.workflow import transition, transition_start
from relicensing.choices import AcquisitionChannel, Condition, EventKind, ImportStatus, RegistrationStatus
from relicensing.eligibility import Facts, eligibility
from relicensing.locks import ids_array, products_share_lock, serials_lock, texts_array
from relicensing.models import ImportJob, Product, Registration, Vendor
from relicensing.serials import serial_matches, serial_normalise, serial_refusal

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
# The longest cell any column takes is 200 characters (acquired_from); past this a cell is not a
# value but an attack or an accident, and the whole file is refused without echoing it.
MAX_CELL_CHARS = 1_000
# An XLSX is a zip: what its parts expand to is bounded, whatever the sheet declares.
MAX_XLSX_EXPANDED_BYTES = 100 * 1024 * 1024
MAX_COLUMNS = 16  # the import's 7 columns and room for a few the reader ignores
CHUNK_ROWS = 5_000
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
FLAG_COLUMNS = ("lost_or_stolen", "counterfeit", "permanently_damaged", "damaged")

Row = tuple[int, dict[str, str]]  # (row number as a spreadsheet shows it, cells by column)


@dataclass
class ImportResult:
    created: int = 0
    already_registered: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def add(self, other: "ImportResult") -> None:
        self.created += other.created
        self.already_registered += other.already_registered
        self.rejected.extend(other.rejected)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "already_registered": self.already_registered,
            "rejected": self.rejected,
        }


# --- reading -------------------------------------------------------------------
def rows_read(*, content: bytes, filename: str = "") -> list[Row]:
    """Rows of a CSV (UTF-8 with or without BOM, or Latin-1) or XLSX file, judged by content."""
    if not content.strip():
        raise DomainError("The file is empty.", code="empty_file")
    if len(content) > MAX_FILE_BYTES:
        raise DomainError(
            f"The file is {len(content) / 1_048_576:.1f} MB; the limit is {MAX_FILE_BYTES // 1_048_576} MB. "
            "Split it into smaller files.",
            code="file_too_large",
        )
    is_xlsx = content[:4] == b"PK\x03\x04"
    table = _xlsx_table(content) if is_xlsx else _csv_table(content)
    header = [str(cell or "").strip().lower().replace(" ", "_") for cell in next(table, [])]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if not any(header) or missing:
        raise DomainError(
            f"The first row must name the columns; missing: {', '.join(missing or REQUIRED_COLUMNS)}. "
            f"Expected columns: {', '.join(COLUMNS)}.",
            code="missing_columns",
            missing=missing or REQUIRED_COLUMNS,
        )
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


# --- validating ----------------------------------------------------------------
@dataclass(slots=True)
class _Valid:
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


class _Catalog:
    """Vendors and products loaded once per import, looked up per row without queries."""

    def __init__(self) -> None:
        self.vendors = {v.slug: v for v in Vendor.objects.all()}
        self.products = {(p.vendor_id, p.model.upper()): p for p in Product.objects.all()}
        # What the cells other than the serial and the seller come to: most rows of a file repeat them.
        self.cells: dict[tuple[Any, ...], _Cells] = {}


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


def _row_validate(number: int, cells: dict[str, str], catalog: _Catalog) -> _Valid | dict[str, Any]:
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
    return _Valid(
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
    catalog: _Catalog,
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


# --- importing -----------------------------------------------------------------
def registrations_import(
    *,
    organization: Organization,
    user: User | None,
    rows: Iterable[Row],
    seen: dict[tuple[int, str], int] | None = None,
    catalog: _Catalog | None = None,
) -> ImportResult:
    """Validate and register one batch of rows, set-based. `seen` carries serials across
    batches of the same file so a serial listed twice is reported, not silently merged."""
    if user is not None:
        action_require(user, "registration_create", organization)
    result = ImportResult()
    valid = _rows_check(rows, seen={} if seen is None else seen, catalog=catalog or _Catalog(), result=result)
    if valid:
        with transaction.atomic():
            created, already, retired = _insert(organization, user, valid)
        result.created += created
        result.rejected.extend(retired)
        result.already_registered += already
    return result


def _rows_check(
    rows: Iterable[Row], *, seen: dict[tuple[int, str], int], catalog: _Catalog, result: ImportResult
) -> list[_Valid]:
    """The valid rows; the others, and repeats of a serial seen earlier in the file, go to `result`."""
    valid: list[_Valid] = []
    for number, cells in rows:
        checked = _row_validate(number, cells, catalog)
        if isinstance(checked, dict):
            result.rejected.append(checked)
            continue
        key = (checked.vendor_id, checked.serial)
        if key in seen:
            result.rejected.append(
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


# The facts of each serial the programme knows (a unit, or a hold placed before anyone registered
# it); a serial it does not know has none (`_UNKNOWN`), and most serials of a large file are new.
FACTS_SQL = """
SELECT s.vendor_id, s.serial,
       e.id, e.lost_or_stolen, e.counterfeit, e.permanently_damaged, e.damaged,
       EXISTS (SELECT 1 FROM relicensing_compliancehold h
               WHERE h.vendor_id = s.vendor_id AND h.serial_number = s.serial AND h.released_at IS NULL),
       EXISTS (SELECT 1 FROM relicensing_registration r
               WHERE r.equipment_id = e.id AND r.organization_id = %(org)s),
       EXISTS (SELECT 1 FROM relicensing_registration r
               WHERE r.equipment_id = e.id AND r.organization_id <> %(org)s AND r.status = 'active'),
       e.product_id, e.retired
FROM unnest(%(vendors)s::bigint[], %(serials)s::text[]) AS s(vendor_id, serial)
LEFT JOIN relicensing_equipment e ON e.vendor_id = s.vendor_id AND e.serial_number = s.serial
WHERE e.id IS NOT NULL
   OR EXISTS (SELECT 1 FROM relicensing_compliancehold h
              WHERE h.vendor_id = s.vendor_id AND h.serial_number = s.serial AND h.released_at IS NULL)
"""

UNIQUE_VIOLATION = "23505"  # Postgres's SQLSTATE

# A serial with no unit and no hold: no flags, nobody's registration, no product, not retired.
_UNKNOWN = (None, None, None, False, False, False, False, False, False, False, None, "")

# The staged rows (`_staging_csv`), for the inserts that skip what exists (`_rows_insert`).
# `equipment_id` is the unit's id: the known unit's, or one reserved from the sequence for a new
# unit (`is_new`).
STAGING_SQL = """
CREATE TEMP TABLE import_rows (
    vendor_id bigint, serial text, equipment_id bigint, is_new boolean, product_id bigint,
    reported_model text, channel text, acquired_from text, acquired_on date, condition text,
    eligible boolean, path text, reasons text[], disputed boolean
) ON COMMIT DROP
"""

INSERT_EQUIPMENT_SQL = """
INSERT INTO relicensing_equipment (id, vendor_id, serial_number, product_id, reported_model, lost_or_stolen,
    counterfeit, permanently_damaged, damaged, retired, original_owner_id, current_owner_id, created_at)
SELECT equipment_id, vendor_id, serial, product_id, COALESCE(reported_model, ''), false, false, false, false, '',
       %(org)s, %(org)s, %(now)s
FROM import_rows
WHERE is_new
ON CONFLICT (vendor_id, serial_number) DO NOTHING
"""

# Every new unit was inserted with its reserved id: the registrations and their events come
# straight from the staging rows, with no lookup of the units by serial.
INSERT_REGISTRATIONS_SQL = """
WITH inserted AS (
    INSERT INTO relicensing_registration (equipment_id, organization_id, acquisition_channel, acquired_from,
        acquired_on, condition, status, registered_by_id, created_at, eligible, path, reasons)
    SELECT s.equipment_id, %(org)s, s.channel, COALESCE(s.acquired_from, ''), s.acquired_on, s.condition, 'active',
           %(user)s, %(now)s, s.eligible, s.path, s.reasons
    FROM import_rows s
    ON CONFLICT (equipment_id, organization_id) DO NOTHING
    RETURNING equipment_id
), events AS (
    INSERT INTO relicensing_equipmentevent (vendor_id, serial_number, kind, organization_id, actor_id, note, at)
    SELECT s.vendor_id, s.serial, k.kind, %(org)s, %(user)s, k.note, %(now)s
    FROM inserted i
    JOIN import_rows s ON s.equipment_id = i.equipment_id
    CROSS JOIN LATERAL (VALUES
        ('registered', CASE WHEN s.is_new
                            THEN 'Bulk import; first registration, so the owner of record.' ELSE 'Bulk import.' END),
        ('dispute_opened', 'Also claimed by another organisation.')) AS k(kind, note)
    WHERE k.kind = 'registered' OR s.disputed
)
SELECT count(*) FROM inserted
"""

# A new unit inserted meanwhile by a path that does not take the serial lock kept its own id (the
# reserved one went unused): the units are looked up by serial instead.
INSERT_REGISTRATIONS_BY_SERIAL_SQL = """
WITH inserted AS (
    INSERT INTO relicensing_registration (equipment_id, organization_id, acquisition_channel, acquired_from,
        acquired_on, condition, status, registered_by_id, created_at, eligible, path, reasons)
    SELECT e.id, %(org)s, s.channel, COALESCE(s.acquired_from, ''), s.acquired_on, s.condition, 'active',
           %(user)s, %(now)s, s.eligible, s.path, s.reasons
    FROM import_rows s JOIN relicensing_equipment e ON e.vendor_id = s.vendor_id AND e.serial_number = s.serial
    ON CONFLICT (equipment_id, organization_id) DO NOTHING
    RETURNING equipment_id
), events AS (
    INSERT INTO relicensing_equipmentevent (vendor_id, serial_number, kind, organization_id, actor_id, note, at)
    SELECT e.vendor_id, e.serial_number, k.kind, %(org)s, %(user)s, k.note, %(now)s
    FROM inserted i
    JOIN relicensing_equipment e ON e.id = i.equipment_id
    JOIN import_rows s ON s.vendor_id = e.vendor_id AND s.serial = e.serial_number
    CROSS JOIN LATERAL (VALUES
        ('registered', CASE WHEN e.original_owner_id = %(org)s AND e.created_at = %(now)s
                            THEN 'Bulk import; first registration, so the owner of record.' ELSE 'Bulk import.' END),
        ('dispute_opened', 'Also claimed by another organisation.')) AS k(kind, note)
    WHERE k.kind = 'registered' OR s.disputed
)
SELECT count(*) FROM inserted
"""

COPY_EQUIPMENT_SQL = """
COPY relicensing_equipment (id, vendor_id, serial_number, product_id, reported_model, lost_or_stolen, counterfeit,
    permanently_damaged, damaged, retired, original_owner_id, current_owner_id, created_at)
FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL (reported_model, retired))
"""
COPY_REGISTRATIONS_SQL = """
COPY relicensing_registration (equipment_id, organization_id, acquisition_channel, acquired_from, acquired_on,
    condition, status, registered_by_id, created_at, eligible, path, reasons)
FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL (acquired_from))
"""
COPY_EVENTS_SQL = """
COPY relicensing_equipmentevent (vendor_id, serial_number, kind, organization_id, actor_id, note, at)
FROM STDIN WITH (FORMAT csv)
"""

# The statements above are planned once each: JIT compilation (half a second of LLVM work for a
# plan whose estimated cost is large only because the row counts are) costs more than it saves,
# and a batch's hash joins fit in memory instead of spilling to batches on disk.
BULK_SETTINGS = {"jit": "off", "work_mem": "64MB"}


@contextmanager
def _bulk_settings(cursor: Any) -> Iterator[None]:
    """The planner settings above for this batch's statements only (restored afterwards, so the
    rest of the transaction, a request or a job's chunk, plans as usual)."""
    cursor.execute("SELECT current_setting('jit'), current_setting('work_mem')")
    before = dict(zip(BULK_SETTINGS, cursor.fetchone(), strict=True))
    for name, value in BULK_SETTINGS.items():
        cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
    yield
    # Not after an error: the savepoint's rollback undoes the settings with everything else.
    for name, value in before.items():
        cursor.execute("SELECT set_config(%s, %s, true)", [name, value])


def _insert(
    organization: Organization, user: User | None, rows: list[_Valid]
) -> tuple[int, int, list[dict[str, Any]]]:
    """The batch's product and serial locks, facts in one query, eligibility in Python, then COPY
    into the units, registrations and history. With the units locked first (as single registration does), a
    rival claim registered or imported at the same moment is seen, and both end in dispute.
    Returns (created, already registered, rows refused because their unit is retired)."""
    params = {"org": organization.pk, "user": user.pk if user else None, "now": timezone.now()}
    products = {r.product_id for r in rows if r.product_id is not None}
    products_share_lock(products)
    serials_lock((r.vendor_id, r.serial) for r in rows)
    # The products' dates as they stand now (a long import outlives the catalog it started with).
    current = Product.objects.in_bulk(products)
    with connection.cursor() as cursor, _bulk_settings(cursor):
        vendors, serials = ids_array(r.vendor_id for r in rows), texts_array(r.serial for r in rows)
        cursor.execute(FACTS_SQL, {**params, "vendors": vendors, "serials": serials})
        facts = {(f[0], f[1]): f for f in cursor.fetchall()}
        # A unit returned under an RMA or taken back is never registered again, by anyone
        # (read under the serial locks the retiring services take too).
        retired = [
            _retired_row(r, f[11]) for r in rows if (f := facts.get((r.vendor_id, r.serial))) and f[11]
        ]
        if retired:
            rows = [r for r in rows if not facts.get((r.vendor_id, r.serial), _UNKNOWN)[11]]
        if not rows:
            return 0, 0, retired
        # A unit the programme knows already is judged as the product it is, whatever the row says.
        known = {f[10] for f in facts.values() if f[10] is not None} - current.keys()
        if known:
            current.update(Product.objects.in_bulk(known))
        new_units = len(rows) - sum(1 for f in facts.values() if f[2] is not None and not f[11])
        staged = _staging_csv(
            rows, facts, current, today=timezone.localdate(), unit_ids=_equipment_ids(cursor, new_units)
        )
        if not staged:
            return 0, len(rows), retired
        try:
            with transaction.atomic():
                created = _rows_copy(cursor, staged, params)
        except IntegrityError as exc:
            if getattr(exc.__cause__, "pgcode", None) != UNIQUE_VIOLATION:
                raise
            # A unit or claim written meanwhile by a path that does not take the serial lock.
            created = _rows_insert(cursor, staged, params, new_units=new_units)
    disputed_units = [f[2] for f in facts.values() if f[9] and not f[8]]
    if disputed_units:  # the rival claims are now disputed too
        from relicensing.services.equipment import registrations_refresh

        registrations_refresh(
            Registration.objects.filter(equipment_id__in=disputed_units, status=RegistrationStatus.ACTIVE)
        )
    return created, len(rows) - created, retired


def _equipment_ids(cursor: Any, count: int) -> Iterator[int]:
    """Ids for the batch's new units, taken from the table's own sequence (as an insert would)."""
    if not count:
        return iter(())
    cursor.execute("SELECT pg_get_serial_sequence('relicensing_equipment', 'id')")
    (sequence,) = cursor.fetchone()  # named once: per row, the lookup costs more than nextval
    cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count])
    return (unit_id for (unit_id,) in cursor.fetchall())


def _retired_row(row: _Valid, retired: str) -> dict[str, Any]:
    from relicensing.services.equipment import retired_refusal

    refusal = retired_refusal(vendor=row.vendor, serial_number=row.serial, retired=retired)
    return {"row": row.row, "serial_number": row.serial, "errors": [f"serial_number: {refusal}"]}


def _staging_csv(
    rows: list[_Valid],
    facts: dict[Any, Any],
    products: dict[int, Product],
    *,
    today: dt.date,
    unit_ids: Iterator[int],
) -> list[tuple[Any, ...]]:
    """The rows this organisation has not registered yet, judged, in the staging table's columns
    (`STAGING_SQL`), which the COPY statements are made from: a known unit as its own product, a
    new one as the row names it, with the products' dates as they stand."""
    # Rows with the same facts get the same answer: judge each distinct set of facts once.
    answers: dict[tuple[Any, ...], tuple[bool, str, str, bool]] = {}
    staged: list[tuple[Any, ...]] = []
    for r in rows:
        f = facts.get((r.vendor_id, r.serial), _UNKNOWN)
        if f[8]:  # this organisation already registered it: nothing to do
            continue
        unit_id = f[2]
        product_id = f[10] if unit_id is not None else r.product_id
        key = (product_id, f[3:8], f[9], r.channel, r.condition)
        answer = answers.get(key)
        if answer is None:
            answer = answers[key] = _judged(key, products, today=today)
        staged.append((
            r.vendor_id, r.serial, unit_id if unit_id is not None else next(unit_ids), unit_id is None,
            r.product_id, r.reported_model, r.channel, r.acquired_from, r.acquired_on, r.condition, *answer,
        ))  # fmt: skip
    return staged


# The history's notes, as CSV cells (they hold commas).
FIRST_REGISTRATION = '"Bulk import; first registration, so the owner of record."'
REGISTRATION = "Bulk import."
DISPUTE_OPENED = "Also claimed by another organisation."


def _cell(text: str) -> str:
    """A text value as a CSV cell: quoted when it holds a comma, quotation mark or line break."""
    if text.isalnum() or not ("," in text or '"' in text or "\n" in text or "\r" in text):
        return text
    return '"' + text.replace('"', '""') + '"'


def _rows_copy(cursor: Any, staged: list[tuple[Any, ...]], params: dict[str, Any]) -> int:
    """Units, registrations and their history COPYed straight into their tables: under the serial
    locks nobody else adds these units or claims (a path that does not take them raises a unique
    violation here, and the rows go through `_rows_insert` instead). Returns how many registered.
    The CSV lines are written by hand: csv.writer costs a second per 100,000 rows of three tables,
    and only the serial, the model and the seller are text that may need quoting."""
    org, now = params["org"], params["now"].isoformat()
    user = "" if params["user"] is None else params["user"]  # an empty cell is NULL
    # Each row's end: the status and who and when, then its registration's eligibility.
    claimed = f"{RegistrationStatus.ACTIVE.value},{user},{now}"
    registered = f"{EventKind.REGISTERED.value},{org},{user}"
    disputed = f"{EventKind.DISPUTE_OPENED.value},{org},{user},{DISPUTE_OPENED},{now}"
    # Cells that repeat from row to row (a seller, a date, an answer) are written once each.
    judgements: dict[tuple[bool, str, str], str] = {}
    sellers: dict[str, str] = {}
    days: dict[dt.date | None, str] = {None: ""}
    units: list[str] = []
    claims: list[str] = []
    events: list[str] = []
    for row in staged:
        vendor_id, serial, unit_id, is_new, product_id, model, channel, seller, on, condition = row[:10]
        eligible, path, reasons, rival = row[10:]
        serial_cell = serial if serial.isalnum() else _cell(serial)
        if is_new:
            product = "" if product_id is None else product_id
            units.append(
                f"{unit_id},{vendor_id},{serial_cell},{product},{_cell(model)},f,f,f,f,,{org},{org},{now}\n"
            )
        judgement = judgements.get((eligible, path, reasons))
        if judgement is None:
            judgement = f"{'t' if eligible else 'f'},{path},{_cell(reasons)}"
            judgements[(eligible, path, reasons)] = judgement
        seller_cell = sellers.get(seller)
        if seller_cell is None:
            seller_cell = sellers[seller] = _cell(seller)
        day = days.get(on)
        if day is None:
            day = days[on] = on.isoformat()
        claims.append(f"{unit_id},{org},{channel},{seller_cell},{day},{condition},{claimed},{judgement}\n")
        note = FIRST_REGISTRATION if is_new else REGISTRATION
        events.append(f"{vendor_id},{serial_cell},{registered},{note},{now}\n")
        if rival:
            events.append(f"{vendor_id},{serial_cell},{disputed}\n")
    # An empty cell is NULL (no product, no user, no date) except where FORCE_NOT_NULL says text.
    with connection.wrap_database_errors:  # COPY is psycopg2's own: its errors as Django's
        if units:
            cursor.copy_expert(COPY_EQUIPMENT_SQL, io.StringIO("".join(units)))
        cursor.copy_expert(COPY_REGISTRATIONS_SQL, io.StringIO("".join(claims)))
        cursor.copy_expert(COPY_EVENTS_SQL, io.StringIO("".join(events)))
    return len(claims)


def _csv_buffer(rows: list[tuple[Any, ...]]) -> io.StringIO:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    buffer.seek(0)
    return buffer


def _rows_insert(
    cursor: Any, staged: list[tuple[Any, ...]], params: dict[str, Any], *, new_units: int
) -> int:
    """The rows through a staging table and set-based inserts that skip what exists (ON CONFLICT
    DO NOTHING): the way round a unit or claim that appeared without the serial lock."""
    cursor.execute("DROP TABLE IF EXISTS import_rows")  # a second batch in one transaction
    cursor.execute(STAGING_SQL)
    cursor.copy_expert("COPY import_rows FROM STDIN WITH (FORMAT csv, NULL '')", _csv_buffer(staged))
    cursor.execute("ANALYZE import_rows")
    cursor.execute(INSERT_EQUIPMENT_SQL, params)
    every_unit_inserted = cursor.rowcount == new_units
    cursor.execute(
        INSERT_REGISTRATIONS_SQL if every_unit_inserted else INSERT_REGISTRATIONS_BY_SERIAL_SQL, params
    )
    (created,) = cursor.fetchone()
    return int(created)


def _judged(
    key: tuple[Any, ...], products: dict[int, Product], *, today: dt.date
) -> tuple[bool, str, str, bool]:
    """Eligibility's answer for one set of facts, as the staging table's columns."""
    (
        product_id,
        (lost_or_stolen, counterfeit, permanently_damaged, damaged, on_hold),
        disputed,
        channel,
        condition,
    ) = key
    product = products[product_id] if product_id is not None else None
    flags = (lost_or_stolen, counterfeit, permanently_damaged, damaged)
    result = eligibility(
        Facts(
            product_known=product is not None,
            end_of_support=product.end_of_support if product else None,
            flags=frozenset(name for name, on in zip(FLAG_COLUMNS, flags, strict=True) if on),
            on_hold=on_hold,
            channel=channel,
            condition=condition,
            disputed=disputed,
        ),
        today=today,
    )
    return result.eligible, result.path, "{" + ",".join(result.reasons) + "}", disputed


# --- jobs (the page's path for any file; progress by chunk) --------------------
# A running job shows a heartbeat at every chunk (seconds apart); one silent this long lost its worker.
STALE_AFTER = dt.timedelta(minutes=10)
# A queued job is handed to the broker at upload; the sweep hands it over again after this.
REDISPATCH_AFTER = dt.timedelta(minutes=2)


def import_job_create(*, organization: Organization, user: User, upload: Any) -> ImportJob:
    """Check the file now (clear 400s), queue the work for a worker after commit."""
    action_require(user, "registration_create", organization)
    content = upload.read()
    rows = rows_read(content=content, filename=upload.name)
    upload.seek(0)
    job = ImportJob.objects.create(
        organization=organization,
        uploaded_by=user,
        file=upload,
        original_name=upload.name[:255],
        total_rows=len(rows),
        heartbeat_at=timezone.now(),
    )
    transition_start(job, actor=user)
    transaction.on_commit(lambda: import_jobs_dispatch([job.pk]))
    return job


def import_jobs_dispatch(job_ids: Iterable[int]) -> None:
    """Hand jobs to the import workers. With the broker down the job stays queued (the page shows
    it waiting) and `import_jobs_resume` hands it over once the broker is back."""
    from relicensing.tasks import import_job_run as task

    for job_id in job_ids:
        try:
            task.delay(job_id)
        except Exception:  # kombu raises several types when Redis is unreachable
            logger.warning("Broker unreachable; import job %s stays queued", job_id)
            return


def import_job_run(*, job_id: int, on_chunk: Callable[[ImportJob], None] | None = None) -> ImportJob | None:
    """Claim a queued job (compare-and-set: only one worker runs it) and import it in chunks,
    from the first row not yet imported. Safe to run twice."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return None
    with transaction.atomic():
        if transition(job, to=ImportStatus.RUNNING, expected_from=ImportStatus.QUEUED) is None:
            return None
        ImportJob.objects.filter(pk=job_id).update(runs=F("runs") + 1, heartbeat_at=timezone.now())
    job = ImportJob.objects.select_related("organization", "uploaded_by").get(pk=job_id)
    try:
        _job_chunks_import(job, on_chunk)
    except _Superseded:
        logger.warning("Import job %s run %s was superseded by a later run; it stops", job.pk, job.runs)
    except SoftTimeLimitExceeded:
        _job_requeue(job, reason=f"The worker's time ran out; resuming after row {job.processed_rows + 1}.")
    except ServiceError as exc:  # a file that cannot be read; an uploader who may no longer register
        _job_finish(job, ImportStatus.FAILED, error=exc.detail)
    except Exception:
        _job_finish(
            job, ImportStatus.FAILED, error="The import stopped unexpectedly; rows already imported are kept."
        )
        raise
    else:
        _job_finish(job, ImportStatus.DONE)
    job.refresh_from_db()
    return job


def _job_chunks_import(job: ImportJob, on_chunk: Callable[[ImportJob], None] | None) -> None:
    with job.file.open("rb") as handle:
        rows = rows_read(content=handle.read(), filename=job.original_name)
    catalog, seen = _Catalog(), dict[tuple[int, str], int]()
    # A resumed job: the rows before processed_rows are in; only remember their serials.
    _rows_check(rows[: job.processed_rows], seen=seen, catalog=catalog, result=ImportResult())
    for start in range(job.processed_rows, len(rows), CHUNK_ROWS):
        chunk = rows[start : start + CHUNK_ROWS]
        with transaction.atomic():  # the chunk and the progress that counts it commit together
            if not _still_mine(job):
                raise _Superseded
            result = registrations_import(
                organization=job.organization, user=job.uploaded_by, rows=chunk, seen=seen, catalog=catalog
            )
            job.processed_rows = start + len(chunk)
            job.created_count += result.created
            job.already_registered_count += result.already_registered
            job.rejected = job.rejected + result.rejected
            job.heartbeat_at = timezone.now()
            job.save(
                update_fields=[
                    "processed_rows",
                    "created_count",
                    "already_registered_count",
                    "rejected",
                    "heartbeat_at",
                ]
            )
        if on_chunk:
            on_chunk(job)


class _Superseded(Exception):
    """This run was given up for dead and the job handed to another run: stop, touch nothing."""


def _still_mine(job: ImportJob) -> bool:
    current = ImportJob.objects.select_for_update().filter(pk=job.pk).values_list("status", "runs").get()
    return current == (ImportStatus.RUNNING, job.runs)


def _job_requeue(job: ImportJob, *, reason: str) -> None:
    """Back to the queue, to go on from the last committed chunk in a new run."""
    with transaction.atomic():
        if _still_mine(job) and transition(
            job, to=ImportStatus.QUEUED, expected_from=ImportStatus.RUNNING, reason=reason
        ):
            transaction.on_commit(lambda: import_jobs_dispatch([job.pk]))


def _job_finish(job: ImportJob, status: ImportStatus, *, error: str = "") -> None:
    with transaction.atomic():
        if not _still_mine(job):
            return
        job.error, job.finished_at = error, timezone.now()
        job.save(update_fields=["error", "finished_at"])
        transition(job, to=status, expected_from=ImportStatus.RUNNING, reason=error)


def import_jobs_resume(*, now: dt.datetime | None = None) -> int:
    """Sweep: a running job whose worker went silent goes back to the queue (it resumes from its
    last committed chunk), and queued jobs the broker never delivered are handed over again.
    Compare-and-set moves, so overlapping runs are harmless; returns how many jobs were handed over."""
    now = now or timezone.now()
    silent = Q(heartbeat_at__isnull=True)  # none recorded: a job from before heartbeats existed
    for job in ImportJob.objects.filter(
        silent | Q(heartbeat_at__lt=now - STALE_AFTER), status=ImportStatus.RUNNING
    ):
        transition(
            job,
            to=ImportStatus.QUEUED,
            expected_from=ImportStatus.RUNNING,
            reason=f"The worker stopped answering; resuming after row {job.processed_rows + 1}.",
        )
    waiting = list(
        ImportJob.objects.filter(
            silent | Q(heartbeat_at__lt=now - REDISPATCH_AFTER), status=ImportStatus.QUEUED
        ).values_list("pk", flat=True)
    )
    ImportJob.objects.filter(pk__in=waiting).update(heartbeat_at=now)
    import_jobs_dispatch(waiting)
    return len(waiting)


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
