"""The mail server refuses a recipient: for good (550) the notice is marked failed with the
server's reason and never tried again; for now (451) it is tried again later, each wait twice the
last (1, 2, 4 ... minutes), and sent once the server takes it. All through the real worker."""

import datetime as dt

import pytest
from django.db import transaction
from django.db.models.functions import Now
from django.utils import timezone

from notices.models import Notice
from notices.services import notice_create, notices_resend_due
from tests.faults.harness import eventually

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

REFUSED = "refused@acme.example"
BUSY = "busy@acme.example"


def notice_to_address(target, address: str) -> int:
    with transaction.atomic():
        [notice_id] = notice_create(
            event="api_token_issued",
            occurrence=f"token:{address}",
            target=target,
            recipients=[],
            addresses=[address],
        )
    return notice_id


def test_an_address_refused_for_good_is_marked_failed_with_the_reason_and_never_tried_again(
    workers, broker, sink, customer
):
    # Guards notices.services._refused_for_good: a 5xx answer to RCPT will be the same on every
    # try. Treated as transient, the notice would be tried again (next_attempt_at set) and never
    # marked failed.
    sink.answers[REFUSED] = "550 5.1.1 No such mailbox"
    workers.start()
    notice_id = notice_to_address(customer, REFUSED)
    eventually(lambda: Notice.objects.get(pk=notice_id).failed_at, what="the notice to be marked failed")
    eventually(broker.idle, what="the worker to finish every task")

    notice = Notice.objects.get(pk=notice_id)
    assert (notice.sent_at, notice.next_attempt_at, notice.attempts) == (None, None, 1)
    assert "550" in notice.last_error
    assert "No such mailbox" in notice.last_error

    # The sweep, as beat runs it every minute, does not hand it over again.
    assert notices_resend_due() == 0
    eventually(broker.idle, what="the worker to finish every task")
    assert sink.rcpts == [REFUSED]
    assert sink.messages == []


def test_an_address_refused_for_now_is_tried_again_after_a_growing_wait_and_sent_once(
    workers, broker, sink, customer
):
    # Guards notices.services._retry_later: a 4xx answer is tried again after 1, then 2 minutes
    # (not at once, not at a fixed pace), kept in the database for the sweep (not as a countdown
    # in the broker). Without the backoff the second wait equals the first.
    sink.answers[BUSY] = "451 4.3.0 Mailbox busy, try again later"
    workers.start()

    before = timezone.now()
    notice_id = notice_to_address(customer, BUSY)
    first = eventually(lambda: Notice.objects.filter(pk=notice_id, attempts=1).first(), what="a first try")
    after = timezone.now()
    assert (first.sent_at, first.failed_at) == (None, None)
    assert "451" in first.last_error
    assert before + dt.timedelta(minutes=1) <= first.next_attempt_at <= after + dt.timedelta(minutes=1)

    # The minute passes (dated back rather than waited for: the worker's clock cannot be moved);
    # the sweep hands the notice over again, as beat runs it every minute.
    Notice.objects.filter(pk=notice_id).update(next_attempt_at=Now())
    before = timezone.now()
    assert notices_resend_due() == 1
    second = eventually(lambda: Notice.objects.filter(pk=notice_id, attempts=2).first(), what="a second try")
    after = timezone.now()
    assert (second.sent_at, second.failed_at) == (None, None)
    assert before + dt.timedelta(minutes=2) <= second.next_attempt_at <= after + dt.timedelta(minutes=2)
    assert notices_resend_due() == 0  # not due again before its time

    del sink.answers[BUSY]  # the mailbox has room again
    Notice.objects.filter(pk=notice_id).update(next_attempt_at=Now())
    assert notices_resend_due() == 1
    eventually(lambda: Notice.objects.get(pk=notice_id).sent_at, what="the notice to be sent")
    eventually(broker.idle, what="the worker to finish every task")

    sent = Notice.objects.get(pk=notice_id)
    assert (sent.attempts, sent.next_attempt_at, sent.last_error) == (3, None, "")
    assert sink.rcpts == [BUSY, BUSY, BUSY]
    assert [m["To"] for m in sink.messages] == [BUSY]
