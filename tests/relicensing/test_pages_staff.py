"""Staff pages: holds, flags and disputes, with a confirmation before what cannot be undone."""

import pytest

from relicensing.models import ComplianceHold, EquipmentEvent, Registration
from tests.relicensing.registering import register, text

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["customer", "partner", "inspector"])
def test_staff_pages_are_403_for_everyone_else(client, everyone, acx2200, who):
    registration = register(everyone["customer"])
    unit = registration.equipment
    hold = ComplianceHold.objects.create(
        vendor=unit.vendor, serial_number="X", reason="r", placed_by=everyone["staff"]
    )
    client.force_login(everyone[who])
    assert client.get("/staff/holds/").status_code == 403
    assert client.get("/staff/disputes/").status_code == 403
    assert (
        client.post("/staff/holds/", {"vendor": "juniper", "serial_number": "X", "reason": "r"}).status_code
        == 403
    )
    assert client.post(f"/staff/holds/{hold.pk}/release/", {"note": "n"}).status_code == 403
    assert client.post(f"/staff/equipment/{unit.pk}/flags/", {"flag": "damaged"}).status_code == 403
    assert client.post(f"/staff/equipment/{unit.pk}/settle/", {}).status_code == 403
    assert "Staff tools" not in text(client.get(f"/equipment/{registration.pk}/"))


def test_hold_before_registration_then_release_with_a_note(client, customer, staff, acx2200):
    client.force_login(staff)
    response = client.post(
        "/staff/holds/", {"vendor": "juniper", "serial_number": "ab12cd34ef56", "reason": "Export control"}
    )
    assert response.status_code == 302
    page = text(client.get("/staff/holds/"))
    assert "AB12CD34EF56" in page and "Export control" in page
    registration = register(customer)
    assert registration.reasons == ["compliance_hold"]

    hold = ComplianceHold.objects.get()
    client.post(f"/staff/holds/{hold.pk}/release/", {"note": ""})
    assert ComplianceHold.objects.active().exists()  # a note is required
    page = text(client.post(f"/staff/holds/{hold.pk}/release/", {"note": "Cleared by legal"}, follow=True))
    assert "The hold on AB12CD34EF56 is released" in page
    registration.refresh_from_db()
    assert registration.eligible
    assert "Cleared by legal" in text(client.get("/staff/holds/?show=all"))


def test_staff_sets_and_clears_flags_from_the_unit_page(client, customer, staff, acx2200):
    registration = register(customer)
    url, back = f"/staff/equipment/{registration.equipment_id}/flags/", f"/equipment/{registration.pk}/"
    client.force_login(staff)
    page = text(client.get(back))
    assert "Staff tools" in page and "Set a flag" in page
    response = client.post(url, {"flag": "damaged", "action": "set", "note": "Vendor report", "next": back})
    assert response["Location"] == back
    registration.refresh_from_db()
    assert registration.reasons == ["damaged"]
    client.post(url, {"flag": "damaged", "action": "clear", "note": "Repaired", "next": back})
    registration.refresh_from_db()
    assert registration.eligible


def test_permanently_damaged_asks_for_confirmation_and_is_never_offered_for_clearing(
    client, customer, staff, acx2200
):
    registration = register(customer)
    url = f"/staff/equipment/{registration.equipment_id}/flags/"
    form = {
        "flag": "permanently_damaged",
        "action": "set",
        "note": "Fire",
        "next": f"/equipment/{registration.pk}/",
    }
    client.force_login(staff)
    confirm = text(client.post(url, form))
    assert "This is final" in confirm and 'name="confirmed" value="yes"' in confirm
    registration.refresh_from_db()
    assert registration.eligible  # nothing changed yet
    client.post(url, {**form, "confirmed": "yes"})
    registration.refresh_from_db()
    assert registration.reasons == ["permanently_damaged"]
    page = text(client.get(f"/equipment/{registration.pk}/"))
    assert "Clear a flag" not in page and "cannot be cleared" in page
    refused = text(client.post(url, {"flag": "permanently_damaged", "action": "clear"}, follow=True))
    assert "can never be cleared" in refused


def test_disputes_page_settles_after_confirmation(client, customer, other_customer, staff, acx2200):
    mine = register(customer)
    theirs = register(other_customer)
    client.force_login(staff)
    page = text(client.get("/staff/disputes/"))
    assert "AB12CD34EF56" in page and "Acme Networks" in page and "Borealis Data" in page
    url = f"/staff/equipment/{mine.equipment_id}/settle/"
    form = {"organization": customer.organization_id, "note": "Invoice seen", "next": "/staff/disputes/"}
    confirm = text(client.post(url, form))
    assert "Settle AB12CD34EF56 for Acme Networks?" in confirm
    assert not EquipmentEvent.objects.filter(kind="dispute_settled").exists()
    done = text(client.post(url, {**form, "confirmed": "yes"}, follow=True))
    assert "Ownership of AB12CD34EF56 settled for Acme Networks" in done
    assert "No ownership dispute is open" in done
    theirs.refresh_from_db()
    assert theirs.status == "settled_elsewhere"
    assert Registration.objects.get(pk=mine.pk).eligible


def test_settling_needs_a_claimant_and_a_note(client, customer, other_customer, staff, acx2200):
    mine = register(customer)
    register(other_customer)
    client.force_login(staff)
    page = text(
        client.post(
            f"/staff/equipment/{mine.equipment_id}/settle/", {"next": "/staff/disputes/"}, follow=True
        )
    )
    assert "Owner: This field is required." in page
    assert "Evidence seen: This field is required." in page


def test_settle_form_on_the_unit_page_when_disputed(client, customer, other_customer, staff, acx2200):
    mine = register(customer)
    client.force_login(staff)
    assert "nothing to settle" in text(client.get(f"/equipment/{mine.pk}/"))
    register(other_customer)
    page = text(client.get(f"/equipment/{mine.pk}/"))
    assert "Settle ownership" in page and "Borealis Data" in page
