"""A licence records the SKU it was sold as by code (as a quote line does), so relicensing no
longer points at contracts; registrations' status moves through the workflow engine."""

from django.db import migrations, models


def sku_codes_copy(apps, schema_editor):
    SoftwareLicence = apps.get_model("relicensing", "SoftwareLicence")
    for licence in SoftwareLicence.objects.filter(sku__isnull=False).select_related("sku"):
        SoftwareLicence.objects.filter(pk=licence.pk).update(sku_code=licence.sku.code)


def sku_codes_back(apps, schema_editor):
    SoftwareLicence = apps.get_model("relicensing", "SoftwareLicence")
    Sku = apps.get_model("contracts", "Sku")
    for licence in SoftwareLicence.objects.exclude(sku_code=""):
        SoftwareLicence.objects.filter(pk=licence.pk).update(sku=Sku.objects.filter(code=licence.sku_code).first())


class Migration(migrations.Migration):
    dependencies = [
        ("relicensing", "0004_transitions_to_common"),
        ("contracts", "0004_quote_withdrawn"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="registration",
            options={"base_manager_name": "objects", "ordering": ["-created_at", "-id"]},
        ),
        migrations.AddField(
            model_name="softwarelicence",
            name="sku_code",
            field=models.CharField(
                blank=True,
                help_text="The price-book SKU it was sold as, if known (a record, as on a quote).",
                max_length=64,
            ),
        ),
        migrations.RunPython(sku_codes_copy, sku_codes_back),
        migrations.RemoveField(model_name="softwarelicence", name="sku"),
        migrations.AlterField(
            model_name="registration",
            name="status",
            field=models.CharField(
                choices=[("active", "Active"), ("settled_elsewhere", "Ownership settled for another organisation")],
                default="active",
                editable=False,
                max_length=32,
            ),
        ),
    ]
