"""Drop the automatic indexes of four foreign keys that a composite index already leads with: every
import writes each index once per row, and these answered nothing the composite ones do not."""

import django.db.models.deletion
from django.db import migrations, models

# (table, column, Django's name for the column's own index, the index that covers it)
COVERED = [
    (
        "relicensing_equipment",
        "vendor_id",
        "relicensing_equipment_vendor_id_2a26f767",
        "equipment_serial_unique",
    ),
    (
        "relicensing_equipmentevent",
        "vendor_id",
        "relicensing_equipmentevent_vendor_id_bcde0ba6",
        "event_by_serial",
    ),
    (
        "relicensing_registration",
        "equipment_id",
        "relicensing_registration_equipment_id_2fdd9349",
        "registration_once_per_organization",
    ),
    (
        "relicensing_registration",
        "organization_id",
        "relicensing_registration_organization_id_814ec116",
        "registration_list",
    ),
]


class Migration(migrations.Migration):
    # Dropped without locking writes (as 0013 built the covering ones): the tables may hold millions of rows.
    atomic = False

    dependencies = [
        ("accounts", "0002_organization_contact"),
        ("relicensing", "0014_registration_tally"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="equipment",
                    name="vendor",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="relicensing.vendor",
                    ),
                ),
                migrations.AlterField(
                    model_name="equipmentevent",
                    name="vendor",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="relicensing.vendor",
                    ),
                ),
                migrations.AlterField(
                    model_name="registration",
                    name="equipment",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="registrations",
                        to="relicensing.equipment",
                    ),
                ),
                migrations.AlterField(
                    model_name="registration",
                    name="organization",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="registrations",
                        to="accounts.organization",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=f"DROP INDEX CONCURRENTLY IF EXISTS {index}",
                    reverse_sql=f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {index} ON {table} ({column})",
                )
                for table, column, index, _covering in COVERED
            ],
        ),
    ]
