"""The bulk registration itself: a batch of checked rows registered set-based under the product
and serial locks, facts read in one query and eligibility judged in Python, then written (`writes`).

A bad row never stops a good one; a re-upload creates nothing twice: under the serial locks the
rows already registered are skipped and the rest are COPYed in, and should a path that does not
take the locks have written one of those units or claims meanwhile, the unique keys single
registration uses refuse the COPY and the batch goes in through ON CONFLICT DO NOTHING inserts.
"""

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import Organization, User
from accounts.permissions import action_require
from common.arrays import ids_array, texts_array
from relicensing.choices import RegistrationStatus
from relicensing.eligibility import Facts, eligibility
from relicensing.locks import products_share_lock, serials_lock
from relicensing.models import Product, Registration
from relicensing.services.imports import writes
from relicensing.services.imports.files import Row
from relicensing.services.imports.rows import Catalog, ValidRow, rows_check

FLAG_COLUMNS = ("lost_or_stolen", "counterfeit", "permanently_damaged", "damaged")


@dataclass
class ImportResult:
    """What an import did: how many it registered, how many this organisation had already, and the
    rows refused, each with its reasons."""

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


def registrations_import(
    *,
    organization: Organization,
    user: User | None,
    rows: Iterable[Row],
    seen: dict[tuple[int, str], int] | None = None,
    catalog: Catalog | None = None,
) -> ImportResult:
    """Validate and register one batch of rows, set-based. `seen` carries serials across
    batches of the same file so a serial listed twice is reported, not silently merged."""
    if user is not None:
        action_require(user, "registration_create", organization)
    result = ImportResult()
    valid = rows_check(
        rows, seen={} if seen is None else seen, catalog=catalog or Catalog(), rejected=result.rejected
    )
    if valid:
        with transaction.atomic():
            created, already, retired = _insert(organization, user, valid)
        result.created += created
        result.rejected.extend(retired)
        result.already_registered += already
    return result


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


def _insert(
    organization: Organization, user: User | None, rows: list[ValidRow]
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
    with connection.cursor() as cursor, writes.bulk_settings(cursor):
        facts = _facts_read(cursor, rows, params)
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
        created = _staged_write(cursor, staged, params, new_units=new_units)
    _rivals_refresh(facts)
    return created, len(rows) - created, retired


def _facts_read(cursor: Any, rows: list[ValidRow], params: dict[str, Any]) -> dict[tuple[int, str], Any]:
    """`FACTS_SQL`'s row for each serial of the batch the programme knows, by (vendor id, serial)."""
    vendors, serials = ids_array(r.vendor_id for r in rows), texts_array(r.serial for r in rows)
    cursor.execute(FACTS_SQL, {**params, "vendors": vendors, "serials": serials})
    return {(f[0], f[1]): f for f in cursor.fetchall()}


def _staged_write(
    cursor: Any, staged: list[tuple[Any, ...]], params: dict[str, Any], *, new_units: int
) -> int:
    """COPY, or the staging table's inserts should the COPY meet a unit or claim that exists."""
    try:
        with transaction.atomic():
            return writes.rows_copy(cursor, staged, params)
    except IntegrityError as exc:
        if getattr(exc.__cause__, "pgcode", None) != UNIQUE_VIOLATION:
            raise
        # A unit or claim written meanwhile by a path that does not take the serial lock.
        return writes.rows_insert(cursor, staged, params, new_units=new_units)


def _rivals_refresh(facts: dict[tuple[int, str], Any]) -> None:
    """Another organisation's active claim on a unit this batch claimed is now disputed too."""
    disputed_units = [f[2] for f in facts.values() if f[9] and not f[8]]
    if disputed_units:
        from relicensing.services.equipment import registrations_refresh

        registrations_refresh(
            Registration.objects.filter(equipment_id__in=disputed_units, status=RegistrationStatus.ACTIVE)
        )


def _equipment_ids(cursor: Any, count: int) -> Iterator[int]:
    """Ids for the batch's new units, taken from the table's own sequence (as an insert would)."""
    if not count:
        return iter(())
    cursor.execute("SELECT pg_get_serial_sequence('relicensing_equipment', 'id')")
    (sequence,) = cursor.fetchone()  # named once: per row, the lookup costs more than nextval
    cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count])
    return (unit_id for (unit_id,) in cursor.fetchall())


def _retired_row(row: ValidRow, retired: str) -> dict[str, Any]:
    from relicensing.services.equipment import retired_refusal

    refusal = retired_refusal(vendor=row.vendor, serial_number=row.serial, retired=retired)
    return {"row": row.row, "serial_number": row.serial, "errors": [f"serial_number: {refusal}"]}


def _staging_csv(
    rows: list[ValidRow],
    facts: dict[Any, Any],
    products: dict[int, Product],
    *,
    today: dt.date,
    unit_ids: Iterator[int],
) -> list[tuple[Any, ...]]:
    """The rows this organisation has not registered yet, judged, in the staging table's columns
    (`writes.STAGING_SQL`), which the COPY statements are made from: a known unit as its own product, a
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
