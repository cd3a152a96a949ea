"""The set-based renewal sweeps write what the per-contract sweeps wrote: renewal reminders (one
notice per person per contract, tier and end date), contract expiry marks, renewal quote expiry.

Contracts are built directly, Acme's, with ACX2200 units; Juniper keeps the defaults: 90 days'
grace, re-inspection past 365 days, reminders 90, 30 and 7 days before the end. Acme's people are
its customer user and its partner's user. Expected values by hand.
"""

import datetime as dt
import sys
from itertools import count

import pytest
from django.db import transaction

from common.models import Transition
from contracts.choices import ContractEventKind, RenewalQuoteStatus
from contracts.models import Contract, ContractEvent, ContractExpiry, ContractLine
from contracts.services import renewal_sweeps, renewals
from notices.events import NoticeEvent
from notices.models import Notice
from tests.races import Racer, race
from tests.relicensing.registering import register

pytestmark = pytest.mark.django_db

END = dt.date(2027, 12, 6)
THIS = sys.modules[__name__]


def on(time_machine, day: dt.date) -> None:
    time_machine.move_to(dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC), tick=False)


@pytest.fixture
def contract_for(frozen_friday, juniper, acx2200, customer, partner):
    """`contract_for(ends_on, *serials)`: a contract of Acme's covering those units."""
    numbers = count(1)

    def make(ends_on, *serials):
        n = next(numbers)
        contract = Contract.objects.create(
            number=f"CT-2026-00900{n}",
            owner=customer.organization,
            site_name=f"Leeds {n}",
            site_address="1 Network Way",
            site_country="GB",
            starts_on=dt.date(2026, 12, 7),
            ends_on=ends_on,
            sales_order=f"SO-2026-00900{n}",
        )
        for serial in serials:
            ContractLine.objects.create(contract=contract, equipment=register(customer, serial).equipment)
        return contract

    return make


# --- reminders --------------------------------------------------------------------------------
def test_reminders_are_the_notices_the_per_contract_sweep_wrote(
    contract_for, time_machine, customer, partner, monkeypatch
):
    monkeypatch.setattr(renewal_sweeps, "SWEEP_BATCH", 1)  # one contract per batch: batches change nothing
    due = contract_for(END, "JN11AC220002", "JN11AC220001")
    later = contract_for(dt.date(2028, 6, 1), "JN11AC220003")  # 208 days left: no tier reached
    earlier_run = contract_for(END, "JN11AC220004")
    occurrence = f"contract:{earlier_run.pk}:renewal-reminder:30:2027-12-06"
    # An earlier run reminded the customer only (the partner's user came later): the occurrence
    # is done, as the per-contract sweep had it; nobody is reminded of it again.
    Notice.objects.create(
        event=NoticeEvent.CONTRACT_RENEWAL_REMINDER,
        occurrence=occurrence,
        target=earlier_run,
        recipient=customer,
        to_email=customer.email,
    )
    on(time_machine, dt.date(2027, 11, 6))  # 30 days before 6 December 2027

    assert renewal_sweeps.renewal_reminders_send() == 1

    notices = Notice.objects.filter(event="contract_renewal_reminder", target_id=due.pk).order_by("to_email")
    assert [(n.recipient, n.to_email) for n in notices] == [
        (customer, "customer@example.com"),
        (partner, "partner@example.com"),
    ]
    for notice in notices:
        assert notice.target == due
        assert notice.occurrence == f"contract:{due.pk}:renewal-reminder:30:2027-12-06"
        assert notice.link == f"/contracts/{due.number}/"
        assert notice.next_attempt_at is not None and notice.sent_at is None
        assert notice.context == {
            "contract_number": due.number,
            "customer": "Acme Networks",
            "site": "Leeds 1",
            "ends_on": "2027-12-06",
            "days_left": 30,
            "tier": 30,
            "phase": "before_end",
            "renew_by": "2027-12-06",
            "serials": ["JN11AC220001", "JN11AC220002"],
        }
    assert not Notice.objects.filter(target_id=later.pk, event="contract_renewal_reminder").exists()
    assert Notice.objects.filter(occurrence=occurrence).count() == 1

    assert renewal_sweeps.renewal_reminders_send() == 0  # the same day again
    assert Notice.objects.filter(event="contract_renewal_reminder").count() == 3


def test_a_reminder_after_the_end_names_the_back_support_date(contract_for, time_machine):
    due = contract_for(END, "JN11AC220001")
    on(time_machine, dt.date(2028, 1, 6))  # 31 days after the end, within grace
    assert renewal_sweeps.renewal_reminders_send() == 1
    notice = Notice.objects.filter(event="contract_renewal_reminder", target_id=due.pk).first()
    assert (notice.context["tier"], notice.context["phase"], notice.context["renew_by"]) == (
        7,
        "grace",
        "2028-03-06",  # the end + 91 days: the last renewal without back-support
    )
    assert notice.context["days_left"] == 0


# --- contract expiry --------------------------------------------------------------------------
def test_expiry_marks_each_ended_contract_once_per_end_date(contract_for, time_machine, monkeypatch):
    monkeypatch.setattr(renewal_sweeps, "SWEEP_BATCH", 1)
    ended = contract_for(END, "JN11AC220001")
    last_day = contract_for(dt.date(2027, 12, 7), "JN11AC220002")
    renewed = contract_for(dt.date(2027, 12, 1), "JN11AC220003")
    on(time_machine, dt.date(2027, 12, 2))
    assert renewal_sweeps.contracts_expire() == 1  # `renewed` ended on 1 December
    Contract.objects.filter(pk=renewed.pk).update(ends_on=END)  # then renewed to 6 December

    on(time_machine, dt.date(2027, 12, 7))
    assert renewal_sweeps.contracts_expire() == 2
    assert renewal_sweeps.contracts_expire() == 0

    def notes(contract):
        return [
            e.note for e in ContractEvent.objects.filter(contract=contract, kind=ContractEventKind.EXPIRED)
        ]

    assert notes(ended) == ["Expired: coverage ended on 2027-12-06."]
    assert notes(last_day) == []
    assert notes(renewed) == [
        "Expired: coverage ended on 2027-12-01.",
        "Expired: coverage ended on 2027-12-06.",
    ]
    marks = ContractExpiry.objects.filter(contract=renewed).order_by("ends_on")
    assert [(m.ends_on, m.event.note) for m in marks] == [
        (dt.date(2027, 12, 1), "Expired: coverage ended on 2027-12-01."),
        (dt.date(2027, 12, 6), "Expired: coverage ended on 2027-12-06."),
    ]
    assert ContractEvent.objects.get(contract=ended).actor is None


# --- renewal quote expiry ---------------------------------------------------------------------
def test_renewal_quote_expiry_moves_issued_quotes_past_their_date_only(
    contract_for, time_machine, partner, customer, monkeypatch
):
    monkeypatch.setattr(renewal_sweeps, "SWEEP_BATCH", 1)
    on(time_machine, dt.date(2027, 11, 6))
    issued = renewals.renewal_quote_issue(contract=contract_for(END, "JN11AC220001"), user=partner)
    ordered = renewals.renewal_quote_issue(contract=contract_for(END, "JN11AC220002"), user=partner)
    renewals.renewal_quote_order(quote=ordered, user=customer, po_number="PO-1", amount="437.00")
    assert issued.valid_until == END
    on(time_machine, END)
    assert renewal_sweeps.renewal_quotes_expire() == 0  # valid through its last day
    on(time_machine, dt.date(2027, 12, 7))
    assert renewal_sweeps.renewal_quotes_expire() == 1
    assert renewal_sweeps.renewal_quotes_expire() == 0
    issued.refresh_from_db()
    ordered.refresh_from_db()
    assert (issued.status, ordered.status) == (RenewalQuoteStatus.EXPIRED, RenewalQuoteStatus.ORDERED)
    rows = Transition.objects.filter(target_type__model="renewalquote", target_id=issued.pk)
    assert [(t.from_status, t.to_status, t.actor, t.reason) for t in rows] == [
        ("", "issued", partner, "One more year, 7 Dec 2027 to 5 Dec 2028: USD 437.00."),
        ("issued", "expired", None, "Valid until 6 Dec 2027."),
    ]


# Pause points of the first reminder sweep: its reminders written, then its commit.
def reminders_written() -> None:
    pass


def reminders_commit() -> None:
    pass


def first_sweep() -> int:
    """The sweep, in a transaction that stays open (its reminders written, uncommitted, its lock
    held) until the second sweep has had its chance to write."""
    with transaction.atomic():
        reminded = renewal_sweeps.renewal_reminders_send()
        THIS.reminders_written()
        THIS.reminders_commit()
    return reminded


@pytest.mark.django_db(transaction=True)
def test_two_reminder_sweeps_at_once_remind_each_person_once(contract_for, time_machine):
    # Guard: the reminder sweep's advisory lock (`locks.lock(locks.PERIODIC, REMINDERS_LOCK)`,
    # taken per batch before the statement that reads which reminders the outbox holds and
    # writes the others). The first sweep writes its reminders and keeps its transaction open;
    # the second waits on the lock, then reads the first one's reminders, committed, and writes
    # none: one reminder per person and one counted. Without the lock (checked by hand) the
    # second meets the first before its statement, which then reads nothing written and inserts,
    # waiting on the first's uncommitted rows; when the first commits it fails on the outbox's
    # unique (occurrence, recipient), as the insert has no ON CONFLICT.
    due = contract_for(END, "JN11AC220001")
    on(time_machine, dt.date(2027, 11, 6))
    first, second = race(
        Racer(first_sweep, [(THIS, "reminders_written"), (THIS, "reminders_commit")]),
        # Met before its statement, and after it (where it registers the dispatch on commit).
        Racer(
            renewal_sweeps.renewal_reminders_send,
            [(renewal_sweeps, "reminders_write"), (transaction, "on_commit")],
        ),
    )
    assert first.ok and second.ok, (first.error, second.error)
    assert first.value + second.value == 1
    assert Notice.objects.filter(event="contract_renewal_reminder", target_id=due.pk).count() == 2
