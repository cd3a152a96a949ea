"""Python sequences as Postgres array literals (common.arrays): what goes in comes back out of
Postgres unchanged, and a value of the wrong kind is refused, not turned into another one."""

import datetime as dt
import enum
from decimal import Decimal

import pytest
from django.db import connection

from common.arrays import columns_arrays, ids_array, texts_array

pytestmark = pytest.mark.django_db


class Kind(enum.IntEnum):
    ONE = 1


def test_ids_and_texts_come_back_as_sent():
    texts = [
        "",
        " ",
        "NULL",
        "null",
        'say "hi"',
        "back\\slash",
        "{a,b}",
        "[1:2]={x}",
        "line\nbreak",
        "Zürich 🛰",
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT %s::bigint[], %s::text[]", [ids_array([3, Kind.ONE, 2**40]), texts_array(texts)]
        )
        ids, back = cursor.fetchone()
    assert ids == [3, 1, 2**40]
    assert back == texts


@pytest.mark.parametrize("value", [1.7, Decimal("1.9"), "12", None, dt.date(2026, 12, 7)])
def test_an_id_that_is_not_an_integer_is_refused(value):
    with pytest.raises(TypeError):
        ids_array([1, value])


@pytest.mark.parametrize("value", [None, 12, b"bytes"])
def test_a_text_that_is_not_a_string_is_refused(value):
    with pytest.raises(TypeError):
        texts_array(["a", value])


def test_columns_are_written_as_their_kind_and_texts_must_be_names():
    assert columns_arrays({"id": [1, 2], "email": ["a@x", ""]}, texts=("email",)) == {
        "id": "{1,2}",
        "email": '{"a@x",""}',
    }
    with pytest.raises(TypeError):
        columns_arrays({"email": ["a@x"]}, texts="email")  # one name, not a collection of names
