"""Requests waiting on the vendor too long are escalated to programme staff, once per wait
(relicensing.services.escalation). The vendor's limit counts business days of the site's country
from the request's last move; staff hear on the first business day past it.

Dates by hand: opened Friday 20 November 2026 with the default limit of 5 business days, the wait
covers Mon 23 to Fri 27 November, so staff are told on Monday 30 November, not on the weekend."""

import datetime as dt

import pytest

from common.models import PeriodicJobState
from notices.models import Notice
from relicensing import tasks
from relicensing.choices import RequestStatus
from relicensing.services.escalation import stale_requests_escalate
from relicensing.services.lifecycle import request_transition
from tests.relicensing.registering import register
from tests.relicensing.requesting import open_request

pytestmark = pytest.mark.django_db


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


@pytest.fixture
def waiting(customer, partner, staff, acx2200, frozen_friday):
    return open_request(customer, register(customer))


def escalations():
    return Notice.objects.filter(event="request_waiting_on_vendor")


def test_staff_hear_on_the_first_business_day_past_the_limit(waiting, staff, time_machine):
    time_machine.move_to(at(dt.date(2026, 11, 27), 23), tick=False)  # Friday: day 5 of 5
    assert stale_requests_escalate() == 0
    time_machine.move_to(at(dt.date(2026, 11, 28)), tick=False)  # Saturday
    assert stale_requests_escalate() == 0
    time_machine.move_to(at(dt.date(2026, 11, 30)), tick=False)  # Monday
    assert stale_requests_escalate() == 1

    [notice] = escalations()
    assert notice.recipient == staff  # staff only: not the customer, not the partner
    assert notice.link == f"/requests/{waiting.pk}/"
    assert notice.subject == f"Waiting too long: request {waiting.number} of Acme Networks (submitted)"
    body = notice.render("body.txt")
    assert (
        f"Request {waiting.number} of Acme Networks (Juniper Networks) has been submitted since "
        "20 Nov 2026: more than the 5 business days" in body
    )


def test_a_wait_is_escalated_once_however_often_the_sweep_runs(waiting, staff, time_machine):
    time_machine.move_to(at(dt.date(2026, 12, 1)), tick=False)
    assert stale_requests_escalate() == 1
    assert stale_requests_escalate() == 0
    time_machine.move_to(at(dt.date(2026, 12, 8)), tick=False)
    assert stale_requests_escalate() == 0
    assert escalations().count() == 1


def test_the_vendors_limit_and_the_sites_holidays_count(customer, staff, acx2200, juniper, time_machine):
    """Opened Monday 21 December 2026 in Great Britain with a limit of 5: Christmas (Friday 25)
    and the Boxing Day holiday moved to Monday 28 are not business days, so the five are
    22, 23, 24, 29 and 30 December; staff hear on Thursday 31."""
    time_machine.move_to(at(dt.date(2026, 12, 21)), tick=False)
    request = open_request(customer, register(customer), date=dt.date(2027, 1, 11))
    time_machine.move_to(at(dt.date(2026, 12, 30), 20), tick=False)
    assert stale_requests_escalate() == 0
    time_machine.move_to(at(dt.date(2026, 12, 31)), tick=False)
    assert stale_requests_escalate() == 1

    juniper.escalate_after_business_days = 10
    juniper.save()
    Notice.objects.all().delete()
    assert stale_requests_escalate() == 0  # 6 business days is within a limit of 10
    assert request.status == RequestStatus.SUBMITTED


def test_a_move_starts_a_new_wait_and_a_customers_turn_is_no_wait(waiting, staff, time_machine):
    time_machine.move_to(at(dt.date(2026, 11, 23)), tick=False)
    request_transition(request=waiting, to=RequestStatus.QUOTED, actor=staff)
    time_machine.move_to(at(dt.date(2026, 12, 14)), tick=False)
    assert stale_requests_escalate() == 0  # quoted: the customer's turn (the quote expires by itself)

    request_transition(request=waiting, to=RequestStatus.QUOTE_ACCEPTED, actor=staff)
    time_machine.move_to(at(dt.date(2026, 12, 18)), tick=False)  # Friday: day 4
    assert stale_requests_escalate() == 0
    time_machine.move_to(at(dt.date(2026, 12, 22)), tick=False)  # Tuesday: past 15 to 21 December
    assert stale_requests_escalate() == 1
    assert "has been quote accepted since 14 Dec 2026" in escalations().get().render("body.txt")


def test_closed_requests_are_not_escalated(waiting, staff, time_machine):
    request_transition(request=waiting, to=RequestStatus.CANCELLED, actor=staff)
    time_machine.move_to(at(dt.date(2026, 12, 14)), tick=False)
    assert stale_requests_escalate() == 0


def test_the_sweep_runs_from_the_periodic_job_list(waiting, staff, time_machine):
    time_machine.move_to(at(dt.date(2026, 11, 30)), tick=False)
    assert tasks.stale_requests_escalate() == 1
    state = PeriodicJobState.objects.get(job="stale-requests-escalate")
    assert (state.outcome, state.result) == ("succeeded", 1)
