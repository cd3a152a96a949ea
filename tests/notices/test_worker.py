"""The real path once: a change commits, the task goes through Redis, a Celery worker sends it."""

import time

import pytest
from django.db import transaction

from notices.models import Notice
from notices.services import notice_create

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_worker_sends_a_committed_notice_through_redis(customer, mailbox, notice_worker):
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
