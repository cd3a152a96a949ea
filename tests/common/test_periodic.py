"""The guard of periodic jobs (common.periodic): one run at a time, not twice per interval, and
the last run's outcome kept for the operator. "quotes-expire" runs every 15 minutes
(common.schedule), so a second run is due 7.5 minutes after the first started."""

import datetime as dt
import threading

import pytest
from django.db import connection

from common.models import PeriodicJobState
from common.periodic import periodic_run
from tests.races import race

T0 = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
pytestmark = pytest.mark.django_db


def counting(result: int = 3):
    calls: list[int] = []

    def work() -> int:
        calls.append(1)
        return result

    return work, calls


def test_a_run_records_its_outcome(time_machine):
    time_machine.move_to(T0, tick=False)
    work, calls = counting(result=7)
    assert periodic_run(job="quotes-expire", work=work) == 7
    assert calls == [1]
    state = PeriodicJobState.objects.get(job="quotes-expire")
    assert (state.outcome, state.result, state.runs, state.skipped) == ("succeeded", 7, 1, 0)
    assert state.started_at == T0 and state.finished_at == T0 and state.error == ""
    assert state.last_succeeded_at == T0


def test_a_second_beat_cannot_double_a_run(time_machine):
    """Guard: the compare-and-set claim on started_at. A second beat process sends the same job
    a minute after the first; its run is skipped until half the interval has passed."""
    time_machine.move_to(T0, tick=False)
    work, calls = counting()
    periodic_run(job="quotes-expire", work=work)
    time_machine.move_to(T0 + dt.timedelta(minutes=1), tick=False)
    assert periodic_run(job="quotes-expire", work=work) is None
    time_machine.move_to(T0 + dt.timedelta(minutes=7), tick=False)
    assert periodic_run(job="quotes-expire", work=work) is None
    assert len(calls) == 1
    time_machine.move_to(T0 + dt.timedelta(minutes=8), tick=False)
    assert periodic_run(job="quotes-expire", work=work) == 3
    state = PeriodicJobState.objects.get(job="quotes-expire")
    assert (len(calls), state.runs, state.skipped) == (2, 2, 2)
    assert state.last_skipped_at == T0 + dt.timedelta(minutes=7)


def test_a_failed_run_is_recorded_and_raised(time_machine):
    time_machine.move_to(T0, tick=False)

    def broken() -> int:
        raise ValueError("no such vendor")

    with pytest.raises(ValueError):
        periodic_run(job="contracts-expire", work=broken)
    state = PeriodicJobState.objects.get(job="contracts-expire")
    assert (state.outcome, state.failures, state.error) == ("failed", 1, "ValueError: no such vendor")
    assert state.last_succeeded_at is None
    # The next run, an interval later, succeeds and clears the error.
    time_machine.move_to(T0 + dt.timedelta(hours=1), tick=False)
    assert periodic_run(job="contracts-expire", work=lambda: 0) == 0
    state.refresh_from_db()
    assert (state.outcome, state.failures, state.error, state.runs) == ("succeeded", 1, "", 2)
    assert state.last_succeeded_at == T0 + dt.timedelta(hours=1)


def test_a_run_whose_worker_died_does_not_block_the_next(time_machine):
    """A worker killed mid-run leaves the state RUNNING and frees its session lock; the next run
    (a redelivery, or the next beat) goes ahead at once."""
    time_machine.move_to(T0, tick=False)
    PeriodicJobState.objects.create(job="quotes-expire", outcome="running", started_at=T0, runs=1)
    time_machine.move_to(T0 + dt.timedelta(minutes=1), tick=False)
    work, calls = counting()
    assert periodic_run(job="quotes-expire", work=work) == 3
    assert calls == [1]
    assert PeriodicJobState.objects.get(job="quotes-expire").outcome == "succeeded"


@pytest.mark.django_db(transaction=True)
def test_a_run_that_outlasts_its_interval_is_not_overlapped():
    """Guard: the session advisory lock held for the whole run. The first run is still working
    when its state says it is overdue (started long ago, still RUNNING, which the claim alone takes
    for a dead worker); the second run must see the lock and skip."""
    inside = threading.Event()
    release = threading.Event()
    calls: list[str] = []

    def slow() -> int:
        calls.append("slow")
        PeriodicJobState.objects.filter(job="quotes-expire").update(
            started_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
        )
        inside.set()
        release.wait(10)
        return 1

    def second() -> int | None:
        inside.wait(10)
        try:
            return periodic_run(job="quotes-expire", work=lambda: calls.append("second") or 2)
        finally:
            release.set()

    first, other = race(lambda: periodic_run(job="quotes-expire", work=slow), second)
    assert first.ok and other.ok, (first.error, other.error)
    assert (first.value, other.value, calls) == (1, None, ["slow"])
    state = PeriodicJobState.objects.get(job="quotes-expire")
    assert (state.runs, state.skipped, state.outcome) == (1, 1, "succeeded")


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_moment_run_once():
    """Guard: the advisory lock again. Two beats fire the same second: one runs, one skips
    (without the lock both reach the claim, and the second fails on the state row or runs too)."""
    work, calls = counting()
    outcomes = race(
        lambda: periodic_run(job="contracts-expire", work=work),
        lambda: periodic_run(job="contracts-expire", work=work),
    )
    assert all(o.ok for o in outcomes)
    assert sorted(o.value is None for o in outcomes) == [False, True]
    assert len(calls) == 1


@pytest.mark.django_db(transaction=True)
def test_the_lock_is_released_after_a_run():
    periodic_run(job="contracts-expire", work=lambda: 0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 3")
        assert cursor.fetchone()[0] == 0
