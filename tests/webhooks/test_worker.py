"""The real path once: an event commits, its task goes through Redis, a Celery worker posts it."""

import json
import time

import pytest

from tests.relicensing.registering import register
from tests.relicensing.requesting import open_request
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_worker_posts_a_committed_event_through_redis(
    customer_admin, receiver, acx2200, frozen_friday, notice_worker
):
    WebhookEndpoint.objects.create(
        organization=customer_admin.organization,
        url=receiver.url,
        events=["request.status_changed"],
        secret="whsec_w",
    )
    request = open_request(customer_admin, register(customer_admin, "JN11AC220001"))

    deadline = time.monotonic() + 20
    while not receiver.received and time.monotonic() < deadline:
        time.sleep(0.1)

    assert len(receiver.received) == 1
    assert json.loads(receiver.received[0].body)["data"]["number"] == request.number
    deadline = time.monotonic() + 5
    while WebhookDelivery.objects.get().status != "delivered" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert WebhookDelivery.objects.get().status == "delivered"
