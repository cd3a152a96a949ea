"""Drop two single-column indexes of the outbox that no query reads alone, so each notice written
(a sweep writes 200,000 at once) updates six indexes instead of eight: `recipient_id` (the inbox
index `notice_inbox` leads with it, and serves a user's deletion too) and `target_type_id`
(nothing filters on the kind of target alone). `created_at` keeps its own: the admin's list of
every notice, newest first, reads it (without it, a scan and sort of the whole outbox)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# (column, Django's name for the column's own index)
DROPPED = [
    ("recipient_id", "notices_notice_recipient_id_fd0027f8"),
    ("target_type_id", "notices_notice_target_type_id_35f536a2"),
]


class Migration(migrations.Migration):
    # Dropped without locking writes (as relicensing 0015 did): the outbox may hold millions of rows.
    atomic = False

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("notices", "0009_organization_invitation_notice"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="notice",
                    name="recipient",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        help_text="Empty for a person who has no account here (a site contact): only emailed.",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notices",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="notice",
                    name="target_type",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        to="contenttypes.contenttype",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=f"DROP INDEX CONCURRENTLY IF EXISTS {index}",
                    reverse_sql=f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {index} ON notices_notice ({column})",
                )
                for column, index in DROPPED
            ],
        ),
    ]
