"""The real path once: a change commits, the task goes through Redis, a Celery worker sends it."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import transaction

from config.celery_app import app
from notices.models import Notice
from notices.services import notice_create

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def real_worker():
    app.conf.task_always_eager = False
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge("notices")
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=["notices"]
        ):
            yield
    finally:
        app.conf.task_always_eager = True


def test_worker_sends_a_committed_notice_through_redis(customer, mailbox, real_worker):
    with transaction.atomic():
        [notice_id] = notice_create(
            event="api_token_issued", occurrence="token:1", target=customer, recipients=[customer]
        )

    deadline = time.monotonic() + 20
    while not mailbox and time.monotonic() < deadline:
        time.sleep(0.1)

    assert len(mailbox) == 1
    assert mailbox[0]["To"] == customer.email
    assert Notice.objects.get(pk=notice_id).sent_at is not None
