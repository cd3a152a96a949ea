"""A worker SIGKILLed in the middle of a task: after a restart the task runs again and its effect
happens once.

Where the second run comes from. The broker, first: with `acks_late` a task stays unacknowledged
in Redis while it runs; the whole worker killed, nobody acknowledges or rejects it, and Redis
hands it out again once its visibility timeout has passed (5 s for these workers, an hour in
production; tests/faults/worker_settings.py). A pool process killed under a living worker is
noticed at once: with `task_reject_on_worker_lost` the worker puts the task back. No beat runs
here, so the database sweeps play no part in those tests.

The sweeps, when the kill lands during the COMMIT: Postgres finishes a COMMIT it has received
whether or not the client is still there, so the work is done, but what the worker does after
the commit (handing the new notices to the broker) is lost; the broker's redelivery finds the
work done, and the outbox sweep (`notices_resend_due`) sends the notices.
"""

import datetime as dt
import os
import signal

import pytest
from django.db import transaction
from django.db.models import F

from contracts.models import Contract
from contracts.tasks import request_reinstate
from notices.models import Notice
from notices.services import notice_create, notices_dispatch
from notices.tasks import notices_resend_due
from relicensing.choices import RequestStatus
from relicensing.models import Request
from tests.faults.harness import PATIENCE, eventually, row_locked, sessions_waiting_on_a_lock

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def notice_to(user, occurrence: str) -> int:
    with transaction.atomic():
        [notice_id] = notice_create(
            event="api_token_issued", occurrence=occurrence, target=user, recipients=[user]
        )
    return notice_id


def test_a_worker_killed_while_it_sends_a_notice_sends_it_once_after_a_restart(
    workers, broker, sink, customer
):
    # Guards CELERY_TASK_ACKS_LATE (with the broker's visibility timeout): the send is
    # acknowledged only once it ran, so the task of a worker killed mid-send is handed out again.
    # Without it the task is gone with the worker and the notice never arrives.
    first = workers.start()
    sink.stall_next("RCPT")  # the worker has said who the email is for; the message is not sent
    notice_id = notice_to(customer, "token:1")
    assert sink.stalled.wait(PATIENCE), "the worker never reached the sink"
    first.kill()
    sink.release()
    assert sink.messages == []

    workers.start()
    eventually(lambda: Notice.objects.get(pk=notice_id).sent_at, what="the notice to be sent")
    eventually(broker.idle, what="the worker to finish every task")

    assert [m["To"] for m in sink.messages] == [customer.email]
    assert Notice.objects.get(pk=notice_id).attempts == 1  # the killed attempt left nothing behind


def test_a_worker_killed_after_the_server_took_the_message_sends_it_twice_with_one_message_id(
    workers, broker, sink, customer
):
    # Guards the Message-ID derived from the notice (notices.services.notice_message_id). The
    # server has answered 250 to DATA but the worker dies before it records the notice as sent:
    # at least once means the email goes again. Both copies carry one Message-ID, so a receiving
    # server or mail client that drops repeats by Message-ID keeps one. A Message-ID made per
    # send (Django's default) gives two different ids, and the receiver shows both.
    first = workers.start()
    sink.stall_next("QUIT")  # the message is taken; the worker waits for the goodbye
    notice_id = notice_to(customer, "token:2")
    assert sink.stalled.wait(PATIENCE), "the worker never reached the sink"
    first.kill()
    sink.release()
    assert len(sink.messages) == 1
    assert Notice.objects.get(pk=notice_id).sent_at is None

    workers.start()
    eventually(lambda: Notice.objects.get(pk=notice_id).sent_at, what="the notice to be sent")
    eventually(broker.idle, what="the worker to finish every task")

    assert [m["To"] for m in sink.messages] == [customer.email, customer.email]
    [message_id] = set(sink.message_ids())
    assert message_id.startswith(f"<notice-{notice_id}.token-2@")
    kept_by_the_receiver = {m["Message-ID"]: m for m in sink.messages}
    assert len(kept_by_the_receiver) == 1


def test_a_worker_killed_before_a_reinstatement_commits_runs_it_again_once(
    workers, broker, sink, api_as, staff, customer, partner, ordered
):
    # Guards CELERY_TASK_REJECT_ON_WORKER_LOST (a pool process killed: the worker puts the task
    # back at once) and CELERY_TASK_ACKS_LATE (the whole worker killed: Redis hands the task out
    # again after its visibility timeout). Either setting off and the approved request is never
    # reinstated, as no sweep runs here.
    assert api_as(staff).post(f"/api/v1/requests/{ordered.pk}/approve/").status_code == 202
    assert broker.client.llen("workflow") == 1  # no worker is up yet: the task waits in Redis
    waiting_before = sessions_waiting_on_a_lock()
    # Another session holds the request: the reinstatement waits at its first step, and is
    # killed there, twice: its pool process, then the whole worker.
    with row_locked("SELECT id FROM relicensing_request WHERE id = %s FOR UPDATE", [ordered.pk]):
        worker = workers.start()
        first = eventually(
            lambda: sessions_waiting_on_a_lock() - waiting_before, what="the reinstatement to wait"
        )
        [pool_process] = worker.pool_processes()
        os.kill(pool_process, signal.SIGKILL)
        eventually(
            lambda: sessions_waiting_on_a_lock() - waiting_before - first,
            what="the task to be run again by the worker's new pool process",
        )
        worker.kill()

    workers.start()
    eventually(
        lambda: Request.objects.get(pk=ordered.pk).status == RequestStatus.REINSTATED,
        what="the request to be reinstated",
    )
    eventually(lambda: len(sink.messages) >= 3, what="the welcome notices")
    eventually(broker.idle, what="the worker to finish every task")

    [contract] = Contract.objects.filter(request=ordered)
    assert sorted(m["To"] for m in sink.messages) == sorted(
        [customer.email, partner.email, "casey@acme.example"]
    )
    assert all(contract.number in m["Subject"] for m in sink.messages)

    # A further delivery of the same task (a sweep, a duplicate from the broker) changes nothing.
    request_reinstate.delay(ordered.pk)
    eventually(broker.idle, what="the worker to finish every task")
    assert Contract.objects.filter(request=ordered).count() == 1
    assert len(sink.messages) == 3


def test_a_worker_killed_while_a_reinstatement_commits_leaves_the_welcome_to_the_outbox_sweep(
    workers, broker, sink, api_as, staff, customer, partner, ordered
):
    # Guards the outbox and its sweep (notices_resend_due). The worker dies while Postgres
    # commits: the server finishes a COMMIT it has received, so the contract and its welcome
    # notices are written, but the hand-over of the notices to the broker (after the commit, in
    # the worker) died with it. The broker's redelivery finds the request reinstated and does
    # nothing; the notices wait in the outbox until the sweep sends them. Without the sweep they
    # are never sent.
    owner = ordered.customer_id
    worker = workers.start()
    waiting_before = sessions_waiting_on_a_lock()
    # Another session holds the customer's organisation row: the reinstatement's COMMIT, checking
    # the (deferred) foreign keys of the new contract, licences and history to their owner, waits
    # for it. The reinstatement locks no such row before (only the request and its units), so the
    # worker is killed in its COMMIT.
    with row_locked("SELECT id FROM accounts_organization WHERE id = %s FOR UPDATE", [owner]):
        assert api_as(staff).post(f"/api/v1/requests/{ordered.pk}/approve/").status_code == 202
        eventually(lambda: sessions_waiting_on_a_lock() - waiting_before, what="the commit to wait")
        worker.kill()
    eventually(
        lambda: Request.objects.get(pk=ordered.pk).status == RequestStatus.REINSTATED,
        what="the killed worker's commit to finish",
    )

    workers.start()  # the broker hands the task out again: the request is reinstated already
    eventually(broker.idle, what="the worker to finish every task")
    [contract] = Contract.objects.filter(request=ordered)
    welcome = Notice.objects.filter(occurrence=f"contract:{contract.pk}:welcome")
    assert welcome.count() == 3
    assert sink.messages == []  # nobody handed the welcome notices to the broker

    # The sweep's grace (notices.services.SWEEP_GRACE, 30 s) passes: dated back rather than
    # waited for, as the worker's clock cannot be moved.
    welcome.update(next_attempt_at=F("next_attempt_at") - dt.timedelta(seconds=30))
    notices_resend_due.delay()
    eventually(lambda: len(sink.messages) >= 3, what="the welcome notices")
    eventually(broker.idle, what="the worker to finish every task")

    assert sorted(m["To"] for m in sink.messages) == sorted(
        [customer.email, partner.email, "casey@acme.example"]
    )
    assert all(contract.number in m["Subject"] for m in sink.messages)
    assert Contract.objects.filter(request=ordered).count() == 1


def test_a_notice_handed_to_two_pool_processes_at_once_is_sent_once(workers, broker, sink, customer):
    # Guards the row lock in notices.services.notice_deliver (select_for_update, skip_locked):
    # while one process is sending a notice, a second delivery of it (the resend sweep, or the
    # broker handing the task out again) skips it. Without the lock both send.
    workers.start(concurrency=2)
    sink.stall_next("RCPT")
    notice_id = notice_to(customer, "token:3")
    assert sink.stalled.wait(PATIENCE), "the worker never reached the sink"
    notices_dispatch([notice_id])  # the same notice again, while the first send is under way
    eventually(
        lambda: broker.client.hlen("unacked") == 1 and not broker.client.llen("notices"),
        what="the second delivery to finish while the first waits",
    )
    sink.release()
    eventually(lambda: Notice.objects.get(pk=notice_id).sent_at, what="the notice to be sent")
    eventually(broker.idle, what="the worker to finish every task")

    assert [m["To"] for m in sink.messages] == [customer.email]
