"""Notices keyed per occurrence, and delivery that can give up or wait before retrying."""

from django.db import migrations, models
from django.db.models import F, Value
from django.db.models.functions import Cast, Concat


def name_past_occurrences(apps, schema_editor):
    # Before this, (event, target, recipient) was unique: that triple names each past occurrence.
    Notice = apps.get_model("notices", "Notice")
    Notice.objects.update(
        occurrence=Concat(
            F("event"),
            Value(":"),
            Cast("target_type_id", models.CharField()),
            Value(":"),
            Cast("target_id", models.CharField()),
        )
    )
    Notice.objects.filter(sent_at__isnull=True).update(next_attempt_at=F("created_at"))
    # The old sweep stopped at ten attempts: those notices were given up on.
    Notice.objects.filter(sent_at__isnull=True, attempts__gte=10).update(
        failed_at=F("created_at"), next_attempt_at=None
    )


class Migration(migrations.Migration):
    dependencies = [
        ("notices", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="notice", name="notice_once"),
        migrations.RemoveIndex(model_name="notice", name="notice_unsent"),
        migrations.AddField(
            model_name="notice",
            name="failed_at",
            field=models.DateTimeField(
                blank=True,
                help_text="Given up on: it cannot be rendered, was refused, or kept failing.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="notice",
            name="next_attempt_at",
            field=models.DateTimeField(
                blank=True, help_text="When the resend sweep tries again, if it is still unsent.", null=True
            ),
        ),
        migrations.AddField(
            model_name="notice",
            name="occurrence",
            field=models.CharField(default="", max_length=120),
            preserve_default=False,
        ),
        migrations.RunPython(name_past_occurrences, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="notice",
            name="event",
            field=models.CharField(
                choices=[
                    ("api_token_issued", "An API key was issued"),
                    ("request_submitted", "Request submitted"),
                    ("quote_issued", "Quote issued"),
                    ("quote_accepted", "Quote accepted"),
                    ("quote_expired", "Quote expired"),
                    ("request_cancelled", "Request cancelled"),
                    ("request_rejected", "Request rejected"),
                ],
                max_length=64,
            ),
        ),
        migrations.AddIndex(
            model_name="notice",
            index=models.Index(
                condition=models.Q(("failed_at__isnull", True), ("sent_at__isnull", True)),
                fields=["next_attempt_at"],
                name="notice_due",
            ),
        ),
        migrations.AddConstraint(
            model_name="notice",
            constraint=models.UniqueConstraint(fields=("occurrence", "recipient"), name="notice_once_per_occurrence"),
        ),
    ]
