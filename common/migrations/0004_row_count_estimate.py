from django.db import migrations

# The planner's estimate of a query's rows, for counts of long lists past the exact threshold
# (common/paging.py). Only ever given SQL the ORM built. Volatile, as Postgres requires of a
# function that runs EXPLAIN; it reads nothing but the plan.
ROW_COUNT_ESTIMATE = """
CREATE OR REPLACE FUNCTION row_count_estimate(query text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    plan jsonb;
BEGIN
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
    RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::bigint;
END;
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("common", "0003_periodicjobstate_last_succeeded_at")]

    operations = [
        migrations.RunSQL(ROW_COUNT_ESTIMATE, "DROP FUNCTION IF EXISTS row_count_estimate(text);"),
    ]
