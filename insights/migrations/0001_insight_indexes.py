"""Indexes for the insights' inspection figures: a short period reads its inspections off an index
instead of the whole table (measured at 100,000 requests in bench/insights_bench.py; the fees
read every quote line once, unpivoted, and the funnel uses `request_recent`). Built concurrently,
without locking writes. They live here, as SQL, rather than in the owning apps' Meta, so the
insights stay one app's change (dropping the app drops nothing another app relies on)."""

from django.db import migrations

INDEXES = {
    # Pass rates (inspections completed in the period) and visits per week (by visit day).
    "insight_inspection_completed": "inspections_inspection (completed_at) WHERE completed_at IS NOT NULL",
    "insight_inspection_day": "inspections_inspection (date) WHERE status IN ('scheduled', 'completed')",
}


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("inspections", "0002_bounded_text"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {definition}",
            reverse_sql=f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
        )
        for name, definition in INDEXES.items()
    ]
