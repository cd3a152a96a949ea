"""Serial locks: the lock on one unit, whether or not anybody has registered it yet.

Every change to a fact eligibility reads (a registration, a hold, a flag, a settled dispute, a
product's dates) and every decision made on eligibility (opening a request; approval) takes the
lock of each unit concerned first, then reads the facts and writes the stored answer. Two such
transactions on one unit therefore run one after the other, and the second reads what the first
committed: a hold released while a flag is cleared cannot leave a clean unit ineligible, and a
unit whose support ended this morning cannot slip into a request.

A lock is a Postgres advisory lock on (vendor, one of BUCKETS buckets of the serial's hash): it
exists before the serial's row does, and a bulk change takes at most BUCKETS locks per vendor.
Two serials sharing a bucket only wait for each other briefly.

A product's dates are a fact of every unit of it, including units being registered right now,
which a change of dates cannot lock because they do not exist yet. So whoever judges units
against a product's dates holds that product's row with a share lock (`products_share_lock`),
and a change of the dates (an UPDATE, which waits for those to finish) re-judges afterwards.

In the lock order of common.workflow: the request and its children, then product rows, then
serial locks, then rows keyed by serial.
"""

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import F, Func, IntegerField, QuerySet

from common.arrays import ids_array, texts_array
from common.locks import SERIAL, lock_many

BUCKETS = 1024


def _key(vendor: str, serial: str) -> str:
    """The SQL expression of a unit's lock key, from its vendor id and serial columns."""
    return f"{vendor}::int * {BUCKETS} + (hashtext({serial}) & {BUCKETS - 1})"


def serials_lock(units: Iterable[tuple[int, str]]) -> None:
    """Lock these (vendor id, normalised serial) units, in ascending key order."""
    vendors, serials = [], []
    for vendor_id, serial in units:
        vendors.append(vendor_id)
        serials.append(serial)
    if not vendors:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT pg_advisory_xact_lock(%s, k) FROM "  # noqa: S608 - _key() is built from constants
            f"(SELECT DISTINCT {_key('v', 's')} AS k FROM unnest(%s::bigint[], %s::text[]) AS t(v, s)) keys "
            "ORDER BY k",
            [SERIAL, ids_array(vendors), texts_array(serials)],
        )


def products_share_lock(product_ids: Iterable[int]) -> None:
    """Hold these products' rows so their dates cannot change until the transaction ends (many
    may hold one at once; changing it waits for them all), in ascending id order."""
    wanted = sorted(set(product_ids))
    if wanted:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM relicensing_product WHERE id = ANY(%s) ORDER BY id FOR SHARE", [wanted]
            )


def units_lock(equipment: QuerySet[Any]) -> None:
    """Lock the units of an Equipment queryset (every unit of a product, say), in ascending key
    order; the keys are those `serials_lock` computes."""
    keys = (
        equipment.order_by()
        .annotate(
            lock_key=F("vendor_id") * BUCKETS
            + Func("serial_number", function="hashtext", output_field=IntegerField()).bitand(BUCKETS - 1)
        )
        .values_list("lock_key", flat=True)
        .distinct()
    )
    lock_many(SERIAL, keys)
