"""A bulk registration's writes: the checked, judged rows COPYed straight into the units,
registrations and history, or, should a unit or claim have appeared without the serial lock,
through a staging table and inserts that skip what exists; and the planner settings for both."""

import csv
import datetime as dt
import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection

from relicensing.choices import EventKind, RegistrationStatus

# The staged rows (`registrations._staging_csv`), for the inserts that skip what exists (`rows_insert`).
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
def bulk_settings(cursor: Any) -> Iterator[None]:
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


# The history's notes, as CSV cells (they hold commas).
FIRST_REGISTRATION = '"Bulk import; first registration, so the owner of record."'
REGISTRATION = "Bulk import."
DISPUTE_OPENED = "Also claimed by another organisation."


def _cell(text: str) -> str:
    """A text value as a CSV cell: quoted when it holds a comma, quotation mark or line break."""
    if text.isalnum() or not ("," in text or '"' in text or "\n" in text or "\r" in text):
        return text
    return '"' + text.replace('"', '""') + '"'


def rows_copy(cursor: Any, staged: list[tuple[Any, ...]], params: dict[str, Any]) -> int:
    """Units, registrations and their history COPYed straight into their tables: under the serial
    locks nobody else adds these units or claims (a path that does not take them raises a unique
    violation here, and the rows go through `rows_insert` instead). Returns how many registered."""
    units, claims, events = _copy_lines(staged, params)
    # An empty cell is NULL (no product, no user, no date) except where FORCE_NOT_NULL says text.
    with connection.wrap_database_errors:  # COPY is psycopg2's own: its errors as Django's
        if units:
            cursor.copy_expert(COPY_EQUIPMENT_SQL, io.StringIO("".join(units)))
        cursor.copy_expert(COPY_REGISTRATIONS_SQL, io.StringIO("".join(claims)))
        cursor.copy_expert(COPY_EVENTS_SQL, io.StringIO("".join(events)))
    return len(claims)


def _copy_lines(
    staged: list[tuple[Any, ...]], params: dict[str, Any]
) -> tuple[list[str], list[str], list[str]]:
    """The CSV lines of the new units, the registrations and the history, written by hand:
    csv.writer costs a second per 100,000 rows of three tables, and only the serial, the model and
    the seller are text that may need quoting."""
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
    return units, claims, events


def _csv_buffer(rows: list[tuple[Any, ...]]) -> io.StringIO:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    buffer.seek(0)
    return buffer


def rows_insert(cursor: Any, staged: list[tuple[Any, ...]], params: dict[str, Any], *, new_units: int) -> int:
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
