"""Booking under concurrency, against the real database (see tests/races.py for how the
interleaving is forced). Each test names the guard it proves; without it, it fails."""

import datetime as dt

import pytest

from common.errors import Conflict
from inspections.choices import InspectionStatus
from inspections.models import Inspection
from inspections.services import notices, visits
from notices.models import Notice
from tests.inspections.visits import MONDAY, TUESDAY, accepted_inspection, another_inspector
from tests.races import race

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def one_a_day(juniper):
    juniper.inspections_per_inspector_per_day = 1
    juniper.save()


def test_two_staff_booking_the_last_slot_one_wins_one_gets_409(
    one_a_day, inspection, customer, partner, staff, inspector
):
    # Guard: the inspector's row lock in visits._locked_with_room. Two visits of two requests (so
    # no request lock is shared) are booked for the inspector's one slot on Monday. Each booking
    # pauses just before it writes: with the lock, the second waits on the inspector's row, then
    # counts the first booking and is refused; without it, both count zero and both are booked.
    other = accepted_inspection(customer, partner, "JN11AC220003")
    outcomes = race(
        lambda: visits.inspection_schedule(
            inspection=inspection, user=staff, date=MONDAY, inspector=inspector
        ),
        lambda: visits.inspection_schedule(inspection=other, user=staff, date=MONDAY, inspector=inspector),
        pause_at=[(visits, "_book")],
    )
    assert sorted(o.ok for o in outcomes) == [False, True]
    (refused,) = [o.error for o in outcomes if not o.ok]
    assert isinstance(refused, Conflict) and refused.code == "capacity_full"
    assert (
        Inspection.objects.filter(inspector=inspector, date=MONDAY, status=InspectionStatus.SCHEDULED).count()
        == 1
    )


def test_a_customer_move_and_a_staff_booking_share_the_last_slot_once(
    one_a_day, inspection, operator, customer, partner, staff, inspector
):
    # Guard: the same lock, taken by a customer's move too (it locks every suitable inspector's
    # row before counting). The visit moves from Tuesday to Monday while staff book another
    # visit on Monday with the only inspector: one of them gets the slot.
    visits.inspection_schedule(inspection=inspection, user=staff, date=TUESDAY, inspector=inspector)
    other = accepted_inspection(customer, partner, "JN11AC220003")
    outcomes = race(
        lambda: visits.inspection_reschedule(inspection=inspection, user=customer, date=MONDAY),
        lambda: visits.inspection_schedule(inspection=other, user=staff, date=MONDAY, inspector=inspector),
        pause_at=[(visits, "_book")],
    )
    assert sorted(o.ok for o in outcomes) == [False, True]
    assert all(o.ok or (isinstance(o.error, Conflict) and o.error.code == "capacity_full") for o in outcomes)
    assert (
        Inspection.objects.filter(inspector=inspector, date=MONDAY, status=InspectionStatus.SCHEDULED).count()
        == 1
    )


def test_with_two_inspectors_both_bookings_get_a_slot(
    one_a_day, inspection, operator, customer, partner, staff, inspector
):
    # The lock serialises bookings of one inspector only: another inspector's day is not blocked.
    second = another_inspector(operator)
    other = accepted_inspection(customer, partner, "JN11AC220003")
    outcomes = race(
        lambda: visits.inspection_schedule(
            inspection=inspection, user=staff, date=MONDAY, inspector=inspector
        ),
        lambda: visits.inspection_schedule(inspection=other, user=staff, date=MONDAY, inspector=second.user),
        pause_at=[(visits, "_book")],
    )
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]


def test_two_reminder_sweeps_at_once_remind_each_person_once(inspection, staff, inspector, time_machine):
    # Guard: the outbox's unique (occurrence, recipient) with ON CONFLICT DO NOTHING in
    # notices_create_many.
    # Two beat processes run the sweep at the same moment; both pause just before writing the
    # notices. Without the constraint each writes its own three and six emails go out.
    visits.inspection_schedule(inspection=inspection, user=staff, date=MONDAY, inspector=inspector)
    time_machine.move_to(dt.datetime(2026, 12, 4, 9, tzinfo=dt.UTC), tick=False)
    outcomes = race(
        notices.inspection_reminders_send,
        notices.inspection_reminders_send,
        pause_at=[(notices, "notices_create_many")],
    )
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    assert Notice.objects.filter(event="inspection_reminder").count() == 3


def test_two_checklist_publishes_at_once_make_two_versions(juniper, juniper_checklist, staff):
    # Guard: the vendor row lock in checklist_publish, taken before the next version number is
    # read. Two members of staff publish at once, each pausing after the lock: with it, the second
    # waits and numbers its version 3; without it, both read 1, both write 2, and the unique
    # (vendor, version) key fails the second with a database error.
    from inspections.models import ChecklistVersion
    from inspections.services import checklists

    items = [{"text": "Powers on", "required": True}]
    outcomes = race(
        lambda: checklists.checklist_publish(vendor=juniper, user=staff, items=items),
        lambda: checklists.checklist_publish(vendor=juniper, user=staff, items=items),
        pause_at=[(checklists, "checklist_items_clean")],
        before=False,
    )
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    assert sorted(ChecklistVersion.objects.filter(vendor=juniper).values_list("version", flat=True)) == [
        1,
        2,
        3,
    ]
