"""Python sequences as one Postgres array literal, for a `%s::bigint[]` or `%s::text[]` parameter.

psycopg2 writes a list as `ARRAY[1,2,3,...]`: one constant per element for the server's parser
and planner. For the thousands of ids of a sweep's batch or the serials of an import that cost
more than the statement's work (about 9 ms per 5,000 ids, a second for 100,000 serials); the
server reads a literal `'{1,2,3}'` in one go.
"""

import operator
from collections.abc import Collection, Iterable, Mapping
from typing import Any


def ids_array(values: Iterable[int]) -> str:
    """Integers as one array literal. Only integers (int, IntEnum, numpy's): a float, a Decimal
    or a string raises TypeError rather than naming another row."""
    return "{" + ",".join(str(operator.index(value)) for value in values) + "}"


def texts_array(values: Iterable[str]) -> str:
    """Strings as one array literal. Every element is quoted, so commas, braces, spaces and the
    word NULL stay text; anything but a string (None included) raises TypeError."""
    return "{" + ",".join(_quoted(value) for value in values) + "}"


def _quoted(value: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"texts_array takes strings, not {type(value).__name__}")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def columns_arrays(columns: Mapping[str, Iterable[Any]], *, texts: Collection[str] = ()) -> dict[str, str]:
    """Named columns of a statement's rows (for `unnest(%(a)s::bigint[], %(b)s::text[])`), each as
    one array literal: those named in `texts` as strings, the others as integers."""
    if isinstance(texts, str):
        raise TypeError("texts is a collection of column names, not one name")
    text_columns = frozenset(texts)
    return {
        name: texts_array(values) if name in text_columns else ids_array(values)
        for name, values in columns.items()
    }
