"""Readable record numbers ("RQ-2026-000123"): a prefix, the year, and the next value of a Postgres
sequence, so numbers never repeat, even when two records are numbered at the same moment."""

from django.db import connection
from django.utils import timezone


def number_next(*, sequence: str, prefix: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [sequence])
        (n,) = cursor.fetchone()
    return f"{prefix}-{timezone.localdate():%Y}-{n:06d}"
