"""The import's set-based writes: each registration's history says whether the importer became the
unit's owner of record, also when a unit appears between the import's read and its writes, and
serials reach the database intact whatever characters they hold."""

import pytest
from django.db import connection

from common.arrays import ids_array, texts_array
from relicensing.models import Equipment, EquipmentEvent, Registration
from relicensing.services import imports
from relicensing.services.imports import registrations as import_registrations
from relicensing.services.imports import writes as import_writes

pytestmark = pytest.mark.django_db

HEADER = "vendor,serial_number,product,acquisition_channel\n"


def rows_of(*serials: str) -> list[imports.Row]:
    content = HEADER + "".join(f"juniper,{serial},ACX2200,secondary_market\n" for serial in serials)
    return imports.rows_read(content=content.encode())


@pytest.fixture(params=["copy", "insert"])
def write_path(request, monkeypatch) -> str:
    """Both ways the rows are written: COPY straight into the tables, and the staging table's
    inserts a unit written without the serial lock sends them through."""
    if request.param == "insert":

        def through_staging(cursor, staged, params):
            return import_writes.rows_insert(
                cursor, staged, params, new_units=sum(1 for row in staged if row[3])
            )

        monkeypatch.setattr(import_writes, "rows_copy", through_staging)
    return request.param


def notes(serial: str) -> list[tuple[str, str]]:
    return list(EquipmentEvent.objects.filter(serial_number=serial).values_list("kind", "note"))


def test_a_new_unit_makes_the_importer_owner_of_record_and_a_known_one_does_not(
    customer, other_customer, acx2200, write_path
):
    imports.registrations_import(
        organization=other_customer.organization, user=other_customer, rows=rows_of("JN0000000001")
    )

    result = imports.registrations_import(
        organization=customer.organization, user=customer, rows=rows_of("JN0000000001", "JN0000000002")
    )

    assert result.as_dict() == {"created": 2, "already_registered": 0, "rejected": []}
    assert notes("JN0000000001") == [
        ("registered", "Bulk import; first registration, so the owner of record."),
        ("registered", "Bulk import."),
        ("dispute_opened", "Also claimed by another organisation."),
    ]
    assert notes("JN0000000002") == [
        ("registered", "Bulk import; first registration, so the owner of record.")
    ]
    assert Equipment.objects.get(serial_number="JN0000000002").original_owner == customer.organization


def test_a_unit_inserted_meanwhile_by_a_path_without_the_serial_lock_is_registered_all_the_same(
    customer, juniper, acx2200, monkeypatch
):
    staging_csv = import_registrations._staging_csv

    def unit_appears_after_the_facts_are_read(*args, **kwargs):
        Equipment.objects.create(vendor=juniper, serial_number="JN0000000003", product=acx2200)
        return staging_csv(*args, **kwargs)

    monkeypatch.setattr(import_registrations, "_staging_csv", unit_appears_after_the_facts_are_read)

    result = imports.registrations_import(
        organization=customer.organization, user=customer, rows=rows_of("JN0000000003", "JN0000000004")
    )

    assert result.as_dict() == {"created": 2, "already_registered": 0, "rejected": []}
    assert Equipment.objects.filter(serial_number="JN0000000003").count() == 1
    assert Registration.objects.filter(organization=customer.organization).count() == 2
    assert notes("JN0000000003") == [("registered", "Bulk import.")]
    assert notes("JN0000000004") == [
        ("registered", "Bulk import; first registration, so the owner of record.")
    ]


def test_array_parameters_keep_every_character():
    texts = ["A,B", 'say "hi"', "back\\slash", "{brace}", "NULL", "", "two words", "ÄÖ"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text[], %s::bigint[]", [texts_array(texts), ids_array([3, 1, 2])])
        assert cursor.fetchone() == (texts, [3, 1, 2])


def test_text_with_commas_and_quotes_and_empty_cells_arrive_as_written(customer, acx2200, write_path):
    content = (
        "vendor,serial_number,product,acquisition_channel,acquired_from,acquired_on,condition\n"
        'juniper,JN0000000005,"MX104, rev ""B""",secondary_market,"Broker, ""The"" Ltd",2026-01-05,damaged\n'
        "juniper,JN0000000006,ACX2200,donated,,,\n"
    )

    result = imports.registrations_import(
        organization=customer.organization, user=None, rows=imports.rows_read(content=content.encode())
    )

    assert result.as_dict() == {"created": 2, "already_registered": 0, "rejected": []}
    unknown = Registration.objects.select_related("equipment").get(equipment__serial_number="JN0000000005")
    assert (unknown.equipment.product, unknown.equipment.reported_model) == (None, 'MX104, rev "B"')
    assert (unknown.acquired_from, str(unknown.acquired_on), unknown.registered_by) == (
        'Broker, "The" Ltd',
        "2026-01-05",
        None,
    )
    assert (unknown.eligible, unknown.path, unknown.reasons) == (
        False,
        "none",
        ["unknown_product", "damaged"],
    )
    donated = Registration.objects.select_related("equipment").get(equipment__serial_number="JN0000000006")
    assert (donated.equipment.product, donated.equipment.reported_model) == (acx2200, "")
    assert (donated.acquired_from, donated.acquired_on, donated.condition) == ("", None, "working")
    assert (donated.eligible, donated.path, donated.reasons) == (False, "none", ["donated_equipment"])
    assert (
        Equipment.objects.filter(
            serial_number__in=["JN0000000005", "JN0000000006"],
            lost_or_stolen=False,
            counterfeit=False,
            permanently_damaged=False,
            damaged=False,
            retired="",
            original_owner=customer.organization,
            current_owner=customer.organization,
        ).count()
        == 2
    )
