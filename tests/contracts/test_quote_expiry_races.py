"""The set-based quote expiry sweep under concurrency, against the real database: an acceptance
landing between the sweep's read of the due quotes and its UPDATE, and two sweeps at once. Each
test names the guard it proves; with that guard removed it fails (tests/races.py forces the
interleaving). The notices of a sweep reach the real worker, in chunks, through Redis.

Time is frozen on Friday 20 November 2026; a quote issued then is valid until 20 December 2026.
"""

import datetime as dt
import sys
import time

import pytest

from contracts.choices import QuoteStatus
from contracts.services import quotes as quote_services
from notices.models import Notice
from relicensing.choices import RequestStatus
from tests.races import Racer, race
from tests.relicensing.registering import register
from tests.relicensing.requesting import open_request

pytestmark = pytest.mark.django_db(transaction=True)

SWEEP_DAY = dt.date(2026, 12, 21)
THIS = sys.modules[__name__]


@pytest.fixture
def quoted(customer, partner, acx2200, frozen_friday):
    """`quoted()`: a new request of Acme's with one issued quote (valid until 20 December 2026)."""
    serials = iter(f"AB12CD34{n:04d}" for n in range(1000))

    def make():
        request = open_request(customer, register(customer, next(serials)))
        return request, quote_services.quote_issue(request=request, user=partner)

    return make


# Pause points of the acceptance, so it can be made to start and to finish at a chosen moment.
def acceptance_starts() -> None:
    pass


def acceptance_done() -> None:
    pass


def test_an_acceptance_between_the_sweeps_read_and_its_update_wins(quoted, customer):
    # Guard: the status condition of the sweep's UPDATE (`AND q.status = 'issued'` in
    # contracts.services.quotes._EXPIRY_SQL), checked on the row itself. The sweep reads the quote as
    # due, then waits; the customer accepts it on its last valid day and commits; the sweep then
    # goes on. With the guard it finds the quote accepted and moves nothing. Without it (checked
    # by hand: the condition removed, this fails) it expires the accepted quote and sends the
    # request back to submitted: an acceptance on the timeline, then an expiry.
    request, quote = quoted()

    def accept():
        THIS.acceptance_starts()
        quote_services.quote_accept(quote=quote, user=customer)
        THIS.acceptance_done()

    accepted, swept = race(
        Racer(accept, [(THIS, "acceptance_starts"), (THIS, "acceptance_done")]),
        Racer(
            lambda: quote_services.quotes_expire(today=SWEEP_DAY),
            [(quote_services, "_quotes_expire_batch"), (quote_services, "requests_lock")],
        ),
    )
    assert accepted.ok and swept.ok, (accepted.error, swept.error)
    request.refresh_from_db()
    quote.refresh_from_db()
    assert (quote.status, request.status) == (QuoteStatus.ACCEPTED, RequestStatus.QUOTE_ACCEPTED)
    assert swept.value == 0
    assert [t.to_status for t in quote.transitions.all()] == ["issued", "accepted"]
    assert not Notice.objects.filter(event="quote_expired").exists()


def test_the_sweep_and_an_acceptance_at_once_end_one_way_or_the_other(quoted, customer):
    # Guard: the lock order (the sweep locks the batch's requests before its UPDATE of their
    # quotes, as quote_accept locks the request before the quote). Both start together; whichever
    # takes the request first wins and the other sees its result: the quote is accepted or
    # expired, never both, and the request agrees. Never a deadlock.
    for _ in range(5):
        request, quote = quoted()
        accepted, swept = race(
            lambda quote=quote: quote_services.quote_accept(quote=quote, user=customer),
            lambda: quote_services.quotes_expire(today=SWEEP_DAY),
            pause_at=[(quote_services, "request_lock"), (quote_services, "requests_lock")],
        )
        assert swept.ok, swept.error
        request.refresh_from_db()
        quote.refresh_from_db()
        assert (quote.status, request.status) in {
            (QuoteStatus.ACCEPTED, RequestStatus.QUOTE_ACCEPTED),
            (QuoteStatus.EXPIRED, RequestStatus.SUBMITTED),
        }
        assert accepted.ok == (quote.status == QuoteStatus.ACCEPTED), accepted.error
        assert quote.transitions.count() == 2  # issued, then accepted or expired


def test_two_sweeps_at_once_move_each_quote_once(quoted):
    # Guard: the same compare-and-set, between two sweeps (two beat processes). Both read the three
    # quotes as due and pause; the first to lock the requests expires them, the second waits on
    # those locks and then finds nothing issued. Without the status condition the second expires
    # them again: two timeline rows per quote and per request, and every notice twice.
    made = [quoted() for _ in range(3)]
    first, second = race(
        lambda: quote_services.quotes_expire(today=SWEEP_DAY),
        lambda: quote_services.quotes_expire(today=SWEEP_DAY),
        pause_at=[(quote_services, "requests_lock")],
    )
    assert first.ok and second.ok, (first.error, second.error)
    assert sorted([first.value, second.value]) == [0, 3]
    for request, quote in made:
        assert [t.to_status for t in quote.transitions.all()] == ["issued", "expired"]
        assert [t.to_status for t in request.transitions.all()] == ["submitted", "quoted", "submitted"]
    assert Notice.objects.filter(event="quote_expired").count() == 6  # customer and partner, once each


def test_the_notices_of_a_sweep_reach_the_real_worker(quoted, notice_worker, mailbox):
    # The hand-over after commit: the new notices go to Redis in chunks (Celery's `chunks` on the
    # notices queue), and the worker emails each once.
    for _ in range(3):
        quoted()
    assert quote_services.quotes_expire(today=SWEEP_DAY) == 3
    for _ in range(100):
        if Notice.objects.filter(event="quote_expired", sent_at__isnull=True).count() == 0:
            break
        time.sleep(0.1)
    assert Notice.objects.filter(event="quote_expired", sent_at__isnull=False).count() == 6
    assert (
        sorted(message["To"] for message in mailbox if "expired" in message["Subject"])
        == ["customer@example.com"] * 3 + ["partner@example.com"] * 3
    )
