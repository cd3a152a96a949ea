"""The import's set-based writes: each registration's history says whether the importer became the
unit's owner of record, also when a unit appears between the import's read and its writes, and
serials reach the database intact whatever characters they hold."""

import pytest
from django.db import connection

from relicensing.locks import ids_array, texts_array
from relicensing.models import Equipment, EquipmentEvent, Registration
from relicensing.services import imports

pytestmark = pytest.mark.django_db

HEADER = "vendor,serial_number,product,acquisition_channel\n"


def rows_of(*serials: str) -> list[imports.Row]:
    content = HEADER + "".join(f"juniper,{serial},ACX2200,secondary_market\n" for serial in serials)
    return imports.rows_read(content=content.encode())


def notes(serial: str) -> list[tuple[str, str]]:
    return list(EquipmentEvent.objects.filter(serial_number=serial).values_list("kind", "note"))


def test_a_new_unit_makes_the_importer_owner_of_record_and_a_known_one_does_not(
    customer, other_customer, acx2200
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
    staging_csv = imports._staging_csv

    def unit_appears_after_the_facts_are_read(*args, **kwargs):
        Equipment.objects.create(vendor=juniper, serial_number="JN0000000003", product=acx2200)
        return staging_csv(*args, **kwargs)

    monkeypatch.setattr(imports, "_staging_csv", unit_appears_after_the_facts_are_read)

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
