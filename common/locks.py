"""Postgres advisory locks, held until the transaction ends (commit or rollback), and their
namespaces (`common.periodic` holds a session lock in its own namespace).

Row locks (`select_for_update`) guard rows that exist. An advisory lock guards a name, so it
also serialises work on something that has no row yet: a serial nobody has registered, an
idempotency key whose first call is still running. Every advisory lock of this project uses the
two-integer form with a namespace first, so two kinds of lock never collide.
"""

from collections.abc import Iterable

from django.db import connection

# Namespaces (the first integer).
SERIAL = 1  # relicensing.locks: one unit, by vendor and serial bucket
IDEMPOTENCY = 2  # common.idempotency: one caller's key
PERIODIC = 3  # common.periodic: one periodic job (a session lock, released by hand)


def lock(namespace: int, key: int) -> None:
    """Wait for the lock; requires an open transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [namespace, key])


def try_lock(namespace: int, key: int) -> bool:
    """Take the lock if nobody holds it; False at once otherwise."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [namespace, key])
        (taken,) = cursor.fetchone()
    return bool(taken)


def lock_many(namespace: int, keys: Iterable[int]) -> None:
    """Wait for several locks, always in ascending order, so two callers asking for overlapping
    sets cannot each hold one the other needs. (Postgres evaluates a volatile function in the
    select list after the ORDER BY, so the locks are taken in that order.)"""
    wanted = sorted(set(keys))
    if not wanted:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, k) FROM unnest(%s::int[]) AS t(k) ORDER BY k",
            [namespace, wanted],
        )
