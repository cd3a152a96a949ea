"""Pages of long lists that cost the same at a million rows as at a thousand: a count that stops
being exact past a threshold, and keyset cursors for lists kept newest first.

A page-number page (`?page=5000`) makes the database step over every row before it; a cursor
names the last row shown, and the next page starts right after it in the list's index. A count
of half a million rows reads half a million index entries; past `EXACT_COUNT_UP_TO` the planner's
estimate (one EXPLAIN, inside the same statement) stands in for it, and a cursor-paged list keeps
that estimate for a minute, so its next pages need not reach the threshold again.
"""

import base64
import binascii
import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from django.core.cache import caches
from django.core.paginator import Paginator
from django.db import connections, models
from django.db.models.expressions import RawSQL
from django.utils.functional import cached_property

from common.errors import DomainError

EXACT_COUNT_UP_TO = 10_000
ESTIMATE_KEPT_SECONDS = 60
NEWEST_FIRST = ("-created_at", "-id")

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Count:
    n: int
    exact: bool


def count_bounded(queryset: models.QuerySet[Any], *, remember_estimate: bool = False) -> Count:
    """How many rows `queryset` has: exact up to EXACT_COUNT_UP_TO, the planner's estimate above
    (never below the threshold), in one statement whatever the size.

    `remember_estimate`: keep an estimate for ESTIMATE_KEPT_SECONDS in this process's memory (the
    `local` cache), keyed by the list's query, so paging through a long list counts it once,
    not on every page. Reaching the threshold reads EXACT_COUNT_UP_TO + 1 index entries, the most
    expensive part of such a page; kept in memory, asking costs a short list nothing either (a
    trip to Redis made the serial lookups measurably slower). Each worker keeps its own: an
    estimate a minute old is as good as a new one.
    an exact count is never kept, so a short list is always exact."""
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    connection = connections[queryset.db]
    with connection.cursor() as cursor:
        # The list's query is compiled once and goes in twice: capped, to count, and as text for
        # row_count_estimate to EXPLAIN. mogrify binds its parameters the way the driver would, so
        # the text is exactly the query the ORM built.
        whole = cursor.mogrify(sql, params).decode()
        key = f"count-estimate:{hashlib.sha256(f'{queryset.db}:{whole}'.encode()).hexdigest()}"
        kept = caches["local"].get(key) if remember_estimate else None
        if kept is not None:
            return Count(n=kept, exact=False)
        cursor.execute(
            f"SELECT CASE WHEN n > %s THEN greatest(row_count_estimate(%s), n) ELSE n END, n > %s "  # noqa: S608
            f"FROM (SELECT count(*) AS n FROM ({sql} LIMIT %s) AS capped) AS counted",
            [EXACT_COUNT_UP_TO, whole, EXACT_COUNT_UP_TO, *params, EXACT_COUNT_UP_TO + 1],
        )
        n, estimated = cursor.fetchone()
    if estimated and remember_estimate:
        caches["local"].set(key, n, ESTIMATE_KEPT_SECONDS)
    return Count(n=n, exact=not estimated)


class BoundedCountPaginator(Paginator):
    """Django's paginator, counting as count_bounded does (page numbers still work)."""

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        return self.bounded.n

    @cached_property
    def bounded(self) -> Count:
        return count_bounded(cast(models.QuerySet[Any], self.object_list))  # only ever given querysets


@dataclass(frozen=True)
class Cursor:
    """A position in a newest-first list: just after (older than) or just before (newer than) a row."""

    created_at: dt.datetime
    pk: int
    older: bool

    def encode(self) -> str:
        raw = f"{'o' if self.older else 'n'}|{self.created_at.isoformat()}|{self.pk}"
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> "Cursor":
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            direction, at, pk = raw.split("|")
            created_at = dt.datetime.fromisoformat(at)
            if direction not in ("o", "n") or created_at.tzinfo is None:
                raise ValueError(direction)
            return cls(created_at=created_at, pk=int(pk), older=direction == "o")
        except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
            raise DomainError(
                "Not a cursor of this list: follow the list's next and previous links.", code="invalid_cursor"
            ) from exc


@dataclass(frozen=True)
class KeysetPage(Generic[M]):
    rows: Sequence[M]
    count: Count
    older: Cursor | None  # the next page (older rows), when there is one
    newer: Cursor | None  # the previous page (newer rows), when there is one


def keyset_page(
    queryset: models.QuerySet[M],
    *,
    cursor: Cursor | None,
    size: int,
    partition: tuple[str, Sequence[int]] | None = None,
    columns: Sequence[str] | None = None,
) -> KeysetPage[Any]:
    """One page of a list ordered NEWEST_FIRST, starting at `cursor` (None: the first page).

    Reads `size + 1` rows off the list's index from the cursor's position, so it costs the same on
    the first page as on the ten-thousandth; and the list's count, as count_bounded (unless the
    first page is the whole list, which has then been counted).

    `partition` (a column and its values, such as a partner's customers' organisation ids) reads
    each value's newest rows off its own index and merges them: one customer's old rows are never
    found by walking past every newer row of everybody else.

    `columns` (lookups, with "pk" and "created_at" among them): the rows are read as named tuples
    of these, not as model objects, which a long list's page pays for row by row. The count reads
    the queryset as given, so a column across a relation joins no table into it."""
    assert columns is None or {"pk", "created_at"} <= set(columns), "a cursor needs pk and created_at"
    whole = queryset
    older = cursor is None or cursor.older
    ordering = NEWEST_FIRST if older else ("created_at", "id")
    if cursor is not None:
        queryset = queryset.filter(_position(queryset, cursor))
    if partition is not None and len(partition[1]) == 1:
        # One organisation: its own rows, read straight off its index in the list's order.
        queryset = queryset.filter(**{partition[0]: partition[1][0]})
    if partition is not None and len(partition[1]) > 1:
        column, values = partition
        parts = [queryset.filter(**{column: value}).order_by(*ordering) for value in values]
        newest = (
            parts[0]
            .values_list("pk", "created_at")[: size + 1]
            .union(*(part.values_list("pk", "created_at")[: size + 1] for part in parts[1:]), all=True)
            .order_by(*ordering)[: size + 1]
        )
        pks = [pk for pk, _ in newest]
        rows = list(rows_shaped(queryset.filter(pk__in=pks).order_by(*ordering), columns))
    else:
        rows = list(rows_shaped(queryset.order_by(*ordering), columns)[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    if older:
        has_older, has_newer = has_more, cursor is not None  # a cursor came from a newer page
    else:
        rows.reverse()
        has_older, has_newer = True, has_more
    # A first page that holds the whole list has counted it already (a search for one serial).
    whole_list_read = cursor is None and not has_more
    return KeysetPage(
        rows=rows,
        count=Count(n=len(rows), exact=True)
        if whole_list_read
        else count_bounded(whole, remember_estimate=True),
        older=_cursor(rows[-1], older=True) if rows and has_older else None,
        newer=_cursor(rows[0], older=False) if rows and has_newer else None,
    )


def rows_shaped(queryset: models.QuerySet[Any], columns: Sequence[str] | None) -> models.QuerySet[Any]:
    """`queryset` read as named tuples of `columns` (as it is when None)."""
    return queryset if columns is None else queryset.values_list(*columns, named=True)


def _position(queryset: models.QuerySet[Any], cursor: Cursor) -> RawSQL:
    """Rows older (or newer) than the cursor's, as a row comparison, so the index on
    (created_at, id) is entered at the cursor's row."""
    table = connections[queryset.db].ops.quote_name(queryset.model._meta.db_table)
    operator = "<" if cursor.older else ">"
    # Django has no public row comparison; the SQL holds quoted identifiers only, values are parameters.
    return RawSQL(  # noqa: S611
        f"({table}.created_at, {table}.id) {operator} (%s, %s)",
        (cursor.created_at, cursor.pk),
        output_field=models.BooleanField(),
    )


def _cursor(row: Any, *, older: bool) -> Cursor:  # a model object, or a row of `columns`
    return Cursor(created_at=row.created_at, pk=row.pk, older=older)  # type: ignore[attr-defined]
