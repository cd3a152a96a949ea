"""The set-based inspection reminder sweep writes the reminders the per-visit sweep wrote: one
notice per person (the customer's, its partner's, the inspector) for each visit whose business
day before has come, with the same context, and nothing for a visit not yet due or already
reminded.

Time is frozen from Friday 20 November 2026. Acme's two-ACX2200 visit is booked for Monday
7 December (its business day before: Friday 4 December); a second, one-chassis visit for Tuesday
8 December (the day before: Monday 7 December). The sweep runs on Friday 4 December.
"""

import datetime as dt

import pytest

from inspections.services import notices, visits
from notices.models import Notice
from tests.inspections.visits import MONDAY, TUESDAY, accepted_inspection
from tests.races import race

pytestmark = pytest.mark.django_db


def at(time_machine, day: dt.date) -> None:
    time_machine.move_to(dt.datetime(day.year, day.month, day.day, 9, tzinfo=dt.UTC), tick=False)


def test_the_sweep_writes_the_reminders_the_per_visit_sweep_wrote(
    inspection, customer, partner, staff, inspector, time_machine, monkeypatch
):
    monkeypatch.setattr(notices, "REMINDER_BATCH", 1)  # one visit per batch: batches change nothing
    tuesday = accepted_inspection(customer, partner, "JN11AC220003", date=TUESDAY)
    visits.inspection_schedule(inspection=inspection, user=staff, date=MONDAY, inspector=inspector)
    visits.inspection_schedule(inspection=tuesday, user=staff, date=TUESDAY, inspector=inspector)
    at(time_machine, dt.date(2026, 12, 4))

    assert notices.inspection_reminders_send() == 1

    reminded = Notice.objects.filter(event="inspection_reminder").order_by("to_email")
    assert [(n.recipient, n.to_email) for n in reminded] == [
        (customer, "customer@example.com"),
        (inspector, "inspector@example.com"),
        (partner, "partner@example.com"),
    ]
    for notice in reminded:
        assert notice.target == inspection
        assert notice.occurrence == f"inspection:{inspection.pk}:reminder:2026-12-07"
        assert notice.link == f"/inspections/{inspection.pk}/"
        assert notice.attachments == []
        assert notice.context == {
            "number": inspection.request.number,
            "customer": "Acme Networks",
            "site": "Acme HQ",
            "site_address": "1 Network Way\nLeeds LS1 1AA",
            "site_country": "GB",
            "contact_name": "Casey Morgan",
            "contact_phone": "+44 113 496 0000",
            "date": "2026-12-07",
            "inspector": inspector.get_full_name(),
            "chassis": 2,
            "passed": 0,
        }
    assert inspector.get_full_name().startswith("Pat Tester")

    assert notices.inspection_reminders_send() == 1  # the hourly sweep again: still due, nothing new
    assert reminded.count() == 3

    at(time_machine, dt.date(2026, 12, 7))  # Monday: the Tuesday visit's turn
    assert notices.inspection_reminders_send() == 1
    tuesday_context = Notice.objects.filter(target_id=tuesday.pk, event="inspection_reminder").first().context
    assert (tuesday_context["date"], tuesday_context["chassis"]) == ("2026-12-08", 1)
    assert Notice.objects.filter(event="inspection_reminder").count() == 6


@pytest.mark.django_db(transaction=True)
def test_two_reminder_sweeps_at_once_remind_each_person_once(inspection, staff, inspector, time_machine):
    # Guard: ON CONFLICT DO NOTHING on the outbox's unique (occurrence, recipient) in
    # notices_create_many. Two beat processes run the sweep at once; both pause just before the
    # insert, so both insert the same three reminders: the second waits for the first to commit
    # and then adds nothing. Without the clause it fails on the unique key (an error, no email).
    visits.inspection_schedule(inspection=inspection, user=staff, date=MONDAY, inspector=inspector)
    at(time_machine, dt.date(2026, 12, 4))
    outcomes = race(
        notices.inspection_reminders_send,
        notices.inspection_reminders_send,
        pause_at=[(notices, "notices_create_many")],
    )
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    assert Notice.objects.filter(event="inspection_reminder").count() == 3
