"""The installed base under concurrency, against the real database: facts that eligibility reads
changing at the same moment, and two claims on one serial. The guard in each is the serial lock
(relicensing.locks): with it made a no-op, each of these tests fails."""

import pytest

from relicensing.choices import EventKind, Flag, Reason
from relicensing.models import ComplianceHold, Equipment, EquipmentEvent, Registration
from relicensing.services import equipment as services
from tests.races import race
from tests.relicensing.registering import register

pytestmark = pytest.mark.django_db(transaction=True)

SERIAL = "AB12CD34EF56"


def test_a_hold_released_while_a_flag_is_cleared_leaves_the_unit_eligible(customer, staff, acx2200):
    # Guard: the serial lock both services take before they write. Without it each one, having
    # written its own change, re-judges the unit from facts that still show the other's (the
    # hold, or the flag) and stores "ineligible"; the unit then stays ineligible for good, with
    # neither a hold nor a flag left to explain it. The bug of the review.
    registration = register(customer, SERIAL)
    hold = services.hold_place(vendor=acx2200.vendor, serial_number=SERIAL, reason="Export check", user=staff)
    services.equipment_flag_set(equipment=registration.equipment, flag=Flag.DAMAGED, note="DOA", user=staff)
    registration.refresh_from_db()
    assert set(registration.reasons) == {Reason.COMPLIANCE_HOLD, Reason.DAMAGED}

    release, clear = race(
        lambda: services.hold_release(hold=hold, note="Export licence seen", user=staff),
        lambda: services.equipment_flag_set(
            equipment=registration.equipment, flag=Flag.DAMAGED, note="Repaired", user=staff, value=False
        ),
        pause_at=[(services, "registrations_refresh")],
    )
    assert release.ok and clear.ok, (release.error, clear.error)
    registration.refresh_from_db()
    assert (registration.eligible, registration.reasons) == (True, [])


def test_two_organisations_registering_one_serial_at_once_both_end_in_dispute(
    customer, other_customer, acx2200
):
    # Guard: the serial lock registration_create takes before it looks for rival claims. The
    # unit is already known (its row exists), so nothing else makes the two wait; without the
    # lock each sees no rival, and both registrations come out eligible with no dispute.
    Equipment.objects.create(vendor=acx2200.vendor, serial_number=SERIAL, product=acx2200)
    acme, borealis = race(
        lambda: register(customer, SERIAL),
        lambda: register(other_customer, SERIAL),
        pause_at=[(services, "_equipment_get_or_create")],
        before=False,
    )
    assert acme.ok and borealis.ok, (acme.error, borealis.error)
    claims = Registration.objects.filter(equipment__serial_number=SERIAL)
    assert claims.count() == 2
    for claim in claims:
        assert claim.eligible is False and Reason.OWNERSHIP_DISPUTE in claim.reasons, claim.organization
    assert EquipmentEvent.objects.filter(serial_number=SERIAL, kind=EventKind.DISPUTE_OPENED).count() == 1


def test_a_hold_placed_while_the_serial_is_first_registered_is_not_missed(customer, staff, acx2200):
    # Guard: the serial lock, which exists before the serial's row does. Both pause having
    # written (the registration; the hold) and before judging. Without the lock the registration
    # reads no hold (not committed yet) and the hold, re-judging the serial's registrations, finds
    # none (not committed yet either): an active hold on an "eligible" unit.
    register_now, hold_now = race(
        lambda: register(customer, SERIAL),
        lambda: services.hold_place(vendor=acx2200.vendor, serial_number=SERIAL, reason="Fraud", user=staff),
        pause_at=[(services, "registrations_refresh")],
    )
    assert register_now.ok and hold_now.ok, (register_now.error, hold_now.error)
    assert ComplianceHold.objects.active().filter(serial_number=SERIAL).exists()
    registration = Registration.objects.get(equipment__serial_number=SERIAL)
    assert registration.eligible is False and Reason.COMPLIANCE_HOLD in registration.reasons


def test_two_organisations_importing_one_serial_at_once_both_end_in_dispute(
    customer, other_customer, acx2200
):
    # Guard: the serial locks the import takes for its batch before it reads rival claims. The
    # unit is known already; without the locks each import reads no rival and both claims come
    # out eligible, with no dispute: the race the review found in bulk imports.
    from relicensing.services import imports
    from relicensing.services.imports import registrations as import_registrations

    Equipment.objects.create(vendor=acx2200.vendor, serial_number=SERIAL, product=acx2200)
    content = f"vendor,serial_number,product,acquisition_channel\njuniper,{SERIAL},ACX2200,secondary_market\n"

    def import_for(user):
        rows = imports.rows_read(content=content.encode())
        return imports.registrations_import(organization=user.organization, user=user, rows=rows)

    acme, borealis = race(
        lambda: import_for(customer),
        lambda: import_for(other_customer),
        pause_at=[(import_registrations, "_staging_csv")],
    )
    assert acme.ok and borealis.ok, (acme.error, borealis.error)
    assert acme.value.created == borealis.value.created == 1
    for claim in Registration.objects.filter(equipment__serial_number=SERIAL):
        assert claim.eligible is False and Reason.OWNERSHIP_DISPUTE in claim.reasons, claim.organization
