"""The set-based quote expiry sweep writes what the per-quote sweep wrote: each due quote expired
with one timeline row, its request back to submitted with one timeline row and the same reason,
and one `quote_expired` notice per person, handed to the worker after commit; quotes not yet due
and quotes already accepted are left alone.

Time is frozen on Friday 20 November 2026: a quote issued then is valid until 20 December 2026
(Juniper's 30 days); one issued on 1 December is valid until 31 December. The sweep runs for
21 December. Acme's people are its customer user (customer@example.com) and its partner's user
(partner@example.com). One ACX2200 quotes $3,437.00.
"""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.models import Transition
from contracts.choices import QuoteStatus
from contracts.models import Quote
from contracts.services import quotes as quote_services
from notices.models import Notice
from relicensing.choices import RequestStatus
from relicensing.models import Request
from tests.relicensing.registering import register
from tests.relicensing.requesting import open_request

pytestmark = pytest.mark.django_db

SWEEP_DAY = dt.date(2026, 12, 21)


@pytest.fixture
def five(customer, partner, acx2200, frozen_friday, time_machine):
    """Three due quotes, one accepted (due by date, but no longer issued), one not yet due."""
    serials = iter(f"AB12CD34{n:04d}" for n in range(100))

    def quoted(visit=dt.date(2026, 12, 7)):
        request = open_request(customer, register(customer, next(serials)), date=visit)
        return request, quote_services.quote_issue(request=request, user=partner)

    due = [quoted() for _ in range(3)]
    accepted = quoted()
    quote_services.quote_accept(quote=accepted[1], user=customer)
    time_machine.move_to(dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC), tick=False)
    later = quoted(visit=dt.date(2026, 12, 21))  # ten business days' notice from 1 December
    time_machine.move_to(dt.datetime(2026, 12, 21, 12, tzinfo=dt.UTC), tick=False)
    return due, accepted, later


def test_the_sweep_writes_exactly_what_the_per_quote_sweep_wrote(
    five, customer, partner, django_capture_on_commit_callbacks
):
    due, (accepted_request, accepted), (later_request, later) = five
    before = set(Transition.objects.values_list("pk", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        assert quote_services.quotes_expire(today=SWEEP_DAY) == 3

    new = Transition.objects.exclude(pk__in=before)
    assert new.count() == 6  # a quote row and a request row for each of the three
    for request, quote in due:
        request.refresh_from_db()
        quote.refresh_from_db()
        assert quote.valid_until == dt.date(2026, 12, 20)
        assert (quote.status, request.status) == (QuoteStatus.EXPIRED, RequestStatus.SUBMITTED)
        reason = f"Quote {quote.number} expired on 20 Dec 2026."
        (quote_row,) = new.filter(target_id=quote.pk, target_type__model="quote")
        assert (quote_row.from_status, quote_row.to_status, quote_row.actor, quote_row.reason) == (
            "issued",
            "expired",
            None,
            reason,
        )
        (request_row,) = new.filter(target_id=request.pk, target_type__model="request")
        assert (request_row.from_status, request_row.to_status, request_row.actor, request_row.reason) == (
            "quoted",
            "submitted",
            None,
            reason,
        )
        notices = Notice.objects.filter(event="quote_expired", target_id=quote.pk).order_by("to_email")
        assert [(n.recipient, n.to_email) for n in notices] == [
            (customer, "customer@example.com"),
            (partner, "partner@example.com"),
        ]
        for notice in notices:
            assert notice.target == quote
            assert notice.occurrence == f"transition:{request_row.pk}"
            assert notice.link == f"/requests/{request.pk}/"
            assert notice.attachments == []
            assert notice.sent_at is not None  # handed to the worker after commit (eager here) and sent
            assert notice.context == {
                "number": request.number,
                "customer": "Acme Networks",
                "site": "Acme HQ",
                "status": "Submitted",
                "reason": reason,
                "actor": "",
                "actor_org": "",
                "actor_role": "",
                "quote_number": quote.number,
                "total": "3437.00",
                "currency": "USD",
                "valid_until": "2026-12-20",
            }
    assert Notice.objects.filter(event="quote_expired").count() == 6

    accepted_request.refresh_from_db()
    later_request.refresh_from_db()
    assert Quote.objects.get(pk=accepted.pk).status == QuoteStatus.ACCEPTED
    assert accepted_request.status == RequestStatus.QUOTE_ACCEPTED
    assert Quote.objects.get(pk=later.pk).status == QuoteStatus.ISSUED
    assert later_request.status == RequestStatus.QUOTED

    assert quote_services.quotes_expire(today=SWEEP_DAY) == 0  # run again: nothing more
    assert Transition.objects.exclude(pk__in=before).count() == 6
    assert Notice.objects.filter(event="quote_expired").count() == 6


def test_the_sweep_works_in_batches_and_keeps_each_batch(five, monkeypatch):
    # Two quotes per transaction: the third quote's batch fails, the first two stay expired.
    due, _, _ = five
    monkeypatch.setattr(quote_services, "EXPIRY_BATCH", 2)
    original = quote_services._quotes_expire_batch
    calls = []

    def failing_second(batch, today):
        calls.append(len(batch))
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return original(batch, today)

    monkeypatch.setattr(quote_services, "_quotes_expire_batch", failing_second)
    with pytest.raises(RuntimeError):
        quote_services.quotes_expire(today=SWEEP_DAY)
    assert calls == [2, 1]
    statuses = [Quote.objects.get(pk=quote.pk).status for _, quote in due]
    assert statuses == [QuoteStatus.EXPIRED, QuoteStatus.EXPIRED, QuoteStatus.ISSUED]
    assert Request.objects.get(pk=due[2][0].pk).status == RequestStatus.QUOTED

    monkeypatch.setattr(quote_services, "_quotes_expire_batch", original)
    assert quote_services.quotes_expire(today=SWEEP_DAY) == 1  # the next run finishes the job


def test_the_sweeps_ids_reach_postgres_as_one_array_literal_each(five):
    # psycopg2 writes a Python list as ARRAY[1,2,3,...], one constant per id for the server to
    # parse and plan (about 9 ms per 5,000 ids, on each batch's lock and its statement); the
    # sweep sends '{1,2,3}' (common.arrays.ids_array), which the server reads in one go.
    with CaptureQueriesContext(connection) as captured:
        assert quote_services.quotes_expire(today=SWEEP_DAY) == 3
    statements = [query["sql"] for query in captured.captured_queries]
    assert any("FOR UPDATE" in sql and "'{" in sql for sql in statements)  # the requests' lock
    assert not [sql for sql in statements if re.search(r"ARRAY\[\s*\d", sql)]
