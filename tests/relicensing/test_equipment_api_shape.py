"""The installed base's answer, key by key, as API.md documents it: the list and one unit's page
write each registration by hand (relicensing/api/equipment.py), so this holds them to the schema."""

import datetime as dt

import pytest

from relicensing.models import Registration
from tests.factories import api_registered

pytestmark = pytest.mark.django_db


def test_a_registration_reads_as_documented_in_the_list_and_alone(api_as, customer, acx2200, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 20, 9, 30, 15, 123456, tzinfo=dt.UTC), tick=False)
    client = api_as(customer)
    created = client.post(
        "/api/v1/equipment/",
        {
            "vendor": "juniper",
            "serial_number": "ab12cd34ef56",
            "product": "ACX2200",
            "acquisition_channel": "secondary_market",
            "acquired_from": "Broker Ltd",
            "acquired_on": "2026-10-01",
            "condition": "working",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    registration = Registration.objects.get()
    registration.equipment.lost_or_stolen = True  # a flag, listed by its name
    registration.equipment.save(update_fields=["lost_or_stolen"])
    expected = {
        "id": registration.pk,
        "vendor": "juniper",
        "serial_number": "AB12CD34EF56",
        "product": "ACX2200",
        "reported_model": "",
        "organization": customer.organization_id,
        "acquisition_channel": "secondary_market",
        "acquired_from": "Broker Ltd",
        "acquired_on": "2026-10-01",
        "condition": "working",
        "status": "active",
        "flags": ["lost_or_stolen"],
        "eligibility": {"eligible": True, "path": "inspection", "reasons": []},
        "created_at": "2026-11-20T09:30:15.123456Z",
    }

    listed = client.get("/api/v1/equipment/").json()["results"]
    alone = client.get(f"/api/v1/equipment/{registration.pk}/").json()

    assert listed == [expected]
    assert alone == expected


def test_a_unit_of_an_unknown_model_has_no_product_and_its_reported_model(api_as, customer, juniper):
    response = api_as(customer).post(
        "/api/v1/equipment/",
        {
            "vendor": "juniper",
            "serial_number": "AB12CD34EF57",
            "product": "MX104",
            "acquisition_channel": "secondary_market",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()

    [row] = api_as(customer).get("/api/v1/equipment/").json()["results"]

    assert (row["product"], row["reported_model"], row["acquired_on"]) == (None, "MX104", None)


def test_every_way_of_paging_the_list_writes_the_same_answer(
    api_as, customer, other_customer, partner, acx2200, netreseller, borealis
):
    # The list reads its pages as rows (keyset_page's `columns`): by cursor, merged customer by
    # customer for a partner serving two, and by a jump to a page number. Each writes a line as
    # one registration's own page does.
    from accounts.models import Partnership

    Partnership.objects.create(partner=netreseller, customer=borealis)
    for owner, serial in (
        (customer, "AB12CD34EF60"),
        (other_customer, "AB12CD34EF61"),
        (customer, "AB12CD34EF62"),
    ):
        api_registered(api_as(owner), serial)
    client = api_as(partner)
    alone = {r.pk: client.get(f"/api/v1/equipment/{r.pk}/").json() for r in Registration.objects.all()}
    newest_first = sorted(alone, reverse=True)

    merged = client.get("/api/v1/equipment/").json()
    first = client.get("/api/v1/equipment/?page_size=2").json()
    by_cursor = client.get(first["next"]).json()
    jumped = client.get("/api/v1/equipment/?page=2&page_size=2").json()

    assert merged["results"] == [alone[pk] for pk in newest_first]
    assert first["results"] + by_cursor["results"] == [alone[pk] for pk in newest_first]
    assert jumped["results"] == [alone[newest_first[2]]]
    assert merged["count"] == jumped["count"] == 3
