"""The API's JSON renderer (common.renderers): orjson, writing each value as DRF's JSONRenderer
does. The expected bytes are written out by hand, from what DRF's encoder makes of each value."""

import datetime as dt
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils.translation import gettext_lazy

from common.renderers import JSONRenderer


def _rendered(data: object) -> bytes:
    return JSONRenderer().render(data, "application/json", {})


def test_times_and_identifiers_read_as_drf_writes_them():
    assert _rendered(
        {
            "utc": dt.datetime(2026, 12, 7, 15, 4, 5, 123456, tzinfo=dt.UTC),
            "paris": dt.datetime(2026, 12, 7, 16, 4, 5, tzinfo=ZoneInfo("Europe/Paris")),
            "day": dt.date(2026, 12, 7),
            "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
            "label": gettext_lazy("Submitted"),
            7: "a number as a key",
        }
    ) == (
        b'{"utc":"2026-12-07T15:04:05.123456Z","paris":"2026-12-07T16:04:05+01:00","day":"2026-12-07",'
        b'"id":"12345678-1234-5678-1234-567812345678","label":"Submitted","7":"a number as a key"}'
    )


def test_what_orjson_cannot_write_is_written_by_drfs_encoder():
    # A Decimal as a number, a duration as its seconds, bytes as text: DRF's encoder, where the
    # package's own would write "12.50", null and [97, 98, 99].
    assert _rendered(
        {"amount": Decimal("12.50"), "took": dt.timedelta(hours=1, seconds=3), "raw": b"abc"}
    ) == (b'{"amount":12.5,"took":"3603.0","raw":"abc"}')


def test_a_value_nobody_can_write_is_an_error_not_null():
    with pytest.raises(TypeError):
        _rendered({"object": object()})
