"""Quotes under concurrency, against the real database: re-issue while accepting, two acceptances,
the expiry sweep against an acceptance and against itself. Each test names the guard it proves;
with that guard removed it fails (see tests/races.py for how the interleaving is forced)."""

import datetime as dt
import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from common.errors import Conflict
from contracts.choices import QuoteStatus
from contracts.models import Quote
from contracts.services import quotes as quote_services
from notices.models import Notice
from relicensing.choices import RequestStatus
from relicensing.models import Request
from tests.races import Racer, race
from tests.relicensing.registering import register
from tests.relicensing.requesting import open_request

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def quoted(customer, partner, acx2200, frozen_friday):
    """`quoted()`: a new request of Acme's with one issued quote (valid until 20 December 2026)."""
    serials = iter(f"AB12CD34{n:04d}" for n in range(1000))

    def make():
        request = open_request(customer, register(customer, next(serials)))
        return request, quote_services.quote_issue(request=request, user=partner)

    return make


def only_conflicts(outcomes):
    """Every failure is a clean 409, never a database error (a deadlock would be one)."""
    for outcome in outcomes:
        assert outcome.ok or isinstance(outcome.error, Conflict), repr(outcome.error)


def test_accepting_while_the_partner_reissues_never_deadlocks(quoted, customer, partner):
    # Guard: the lock order. Every change to a quote locks its request first (quote_accept's
    # request_lock, and the engine's parent lock before the quote), as quote_issue does. The
    # acceptance pauses just before it takes the request lock, the re-issue just after: with
    # quote_accept locking the quote before the request, each then holds what the other waits
    # for, and Postgres ends the deadlock by failing one of them (the 500 of the review).
    request, quote = quoted()
    accept, reissue = race(
        Racer(
            lambda: quote_services.quote_accept(quote=quote, user=customer),
            [(quote_services, "request_lock")],
        ),
        Racer(
            lambda: quote_services.quote_issue(request=request, user=partner),
            [(quote_services, "request_lock")],
            before=False,
        ),
    )
    only_conflicts([accept, reissue])
    assert accept.ok != reissue.ok  # exactly one wins
    request.refresh_from_db()
    quote.refresh_from_db()
    if accept.ok:
        assert (request.status, quote.status) == (RequestStatus.QUOTE_ACCEPTED, QuoteStatus.ACCEPTED)
        assert request.quotes.count() == 1
    else:
        assert (request.status, quote.status) == (RequestStatus.QUOTED, QuoteStatus.SUPERSEDED)
        assert request.quotes.get(status=QuoteStatus.ISSUED).revision == 2


def test_two_acceptances_at_once_accept_once(quoted, customer, partner):
    # Guarded twice, on purpose: quote_accept checks the status under its request lock, and the
    # engine checks the table again on the row it writes (a second acceptance waits on the row
    # the first wrote, then finds it accepted). Removing either alone keeps this green; removing
    # both (the FOR UPDATE locks and the engine's table check) makes both accept: two
    # acceptances on the timeline and each person told twice. Checked by hand both ways.
    request, quote = quoted()
    outcomes = race(
        lambda: quote_services.quote_accept(quote=quote, user=customer),
        lambda: quote_services.quote_accept(quote=quote, user=partner),
        pause_at=[(quote_services, "transition")],
    )
    only_conflicts(outcomes)
    assert sorted(o.ok for o in outcomes) == [False, True]
    assert quote.transitions.filter(to_status=QuoteStatus.ACCEPTED).count() == 1
    assert request.transitions.filter(to_status=RequestStatus.QUOTE_ACCEPTED).count() == 1
    assert (
        Notice.objects.filter(event="quote_accepted").count() == 2
    )  # the customer and the partner, once each


def test_the_expiry_sweep_and_an_acceptance_at_once_leave_one_consistent_outcome(quoted, customer):
    # Guard: the engine's lock (request, then quote) and the sweep's compare-and-set on `issued`.
    # Without the lock both read "issued" and "quoted": the quote ends expired or accepted while
    # the request says the opposite. The customer accepts on the last valid day (frozen at 20
    # November, the quote runs to 20 December) as the sweep runs for 21 December.
    request, quote = quoted()
    accept, sweep = race(
        lambda: quote_services.quote_accept(quote=quote, user=customer),
        lambda: quote_services.quotes_expire(today=dt.date(2026, 12, 21)),
        # The acceptance pauses at its transition, the sweep at its set-based one.
        pause_at=[(quote_services, "transition"), (quote_services, "quotes_expiry_write")],
    )
    only_conflicts([accept, sweep])
    request.refresh_from_db()
    quote.refresh_from_db()
    assert (request.status, quote.status) in {
        (RequestStatus.QUOTE_ACCEPTED, QuoteStatus.ACCEPTED),
        (RequestStatus.SUBMITTED, QuoteStatus.EXPIRED),
    }
    assert accept.ok == (quote.status == QuoteStatus.ACCEPTED)
    assert sweep.value == (1 if quote.status == QuoteStatus.EXPIRED else 0)


def test_two_sweeps_at_once_expire_each_quote_once(quoted):
    # Guard: the sweep's compare-and-set (its UPDATE moves only quotes still issued) under the
    # request locks. Without it both sweeps move the same quote: two timeline rows, two notices.
    request, quote = quoted()
    first, second = race(
        lambda: quote_services.quotes_expire(today=dt.date(2026, 12, 21)),
        lambda: quote_services.quotes_expire(today=dt.date(2026, 12, 21)),
        pause_at=[(quote_services, "quotes_expiry_write")],
    )
    assert first.ok and second.ok
    assert first.value + second.value == 1
    assert quote.transitions.filter(to_status=QuoteStatus.EXPIRED).count() == 1
    assert (
        request.transitions.filter(
            from_status=RequestStatus.QUOTED, to_status=RequestStatus.SUBMITTED
        ).count()
        == 1
    )
    assert Notice.objects.filter(event="quote_expired").count() == 2


def test_through_the_api_reissue_against_accept_is_always_one_clean_outcome(quoted, customer, partner):
    """API.md: never a 500. Fifty tries of a partner re-issuing while the customer accepts, as two
    HTTP clients would, with nothing but a start line to line them up."""
    seen = set()
    for _ in range(50):
        request, quote = quoted()
        start = threading.Barrier(2)
        answers: dict[str, int] = {}

        def call(who, user, path, start=start, answers=answers):
            client = APIClient()
            client.force_authenticate(user)
            start.wait(timeout=10)
            try:
                answers[who] = client.post(path, {}, format="json").status_code
            finally:
                connection.close()

        threads = [
            threading.Thread(target=call, args=("accept", customer, f"/api/v1/quotes/{quote.pk}/accept/")),
            threading.Thread(
                target=call, args=("reissue", partner, f"/api/v1/requests/{request.pk}/quotes/")
            ),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert answers["accept"] in (200, 409) and answers["reissue"] in (201, 409), answers
        assert (answers["accept"] == 200) != (answers["reissue"] == 201), answers
        request.refresh_from_db()
        expected = RequestStatus.QUOTE_ACCEPTED if answers["accept"] == 200 else RequestStatus.QUOTED
        assert request.status == expected
        seen.add(tuple(sorted(answers.items())))
    assert Request.objects.count() == 50 and Quote.objects.count() >= 50
