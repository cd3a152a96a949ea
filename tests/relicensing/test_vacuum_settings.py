"""The installed base's big tables are vacuumed and analysed after 20,000 changed rows, not after
a fifth of the table (issue 13: a rolled-back import's dead rows slowed every list until then)."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "table", ["relicensing_registration", "relicensing_equipment", "relicensing_equipmentevent"]
)
def test_big_tables_are_vacuumed_after_twenty_thousand_dead_rows(table):
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [table])
        (options,) = cursor.fetchone()
    assert sorted(options) == [
        "autovacuum_analyze_scale_factor=0",
        "autovacuum_analyze_threshold=20000",
        "autovacuum_vacuum_scale_factor=0",
        "autovacuum_vacuum_threshold=20000",
    ]
