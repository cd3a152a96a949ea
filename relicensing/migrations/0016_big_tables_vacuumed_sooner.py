from django.db import migrations

# The installed base's tables hold millions of rows, so Postgres's default thresholds (a fifth of
# a table dead before a vacuum, a tenth changed before an analyze) let a 100,000-row import that
# rolled back leave its dead entries at the newest end of the list indexes for hours, where
# every plan of a newest-first list steps over them. Vacuum and analyze after 20,000 rows.
TABLES = ("relicensing_registration", "relicensing_equipment", "relicensing_equipmentevent")
SOONER = (
    "autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 20000, "
    "autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 20000"
)
DEFAULTS = (
    "autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold, "
    "autovacuum_analyze_scale_factor, autovacuum_analyze_threshold"
)


class Migration(migrations.Migration):
    dependencies = [("relicensing", "0015_fk_indexes_covered")]

    operations = [
        migrations.RunSQL(
            [f"ALTER TABLE {table} SET ({SOONER})" for table in TABLES],
            [f"ALTER TABLE {table} RESET ({DEFAULTS})" for table in TABLES],
        )
    ]
