"""Two workers sending the same delivery at once post it once."""

from unittest import mock

import pytest

from tests.races import race
from tests.relicensing.registering import register
from tests.relicensing.requesting import open_request
from webhooks import services
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_workers_racing_for_one_delivery_post_it_once(
    api_as, customer_admin, receiver, acx2200, frozen_friday
):
    """Proves the compare-and-set in `webhook_delivery_claim` (pending and due -> sending): both
    threads pause just before posting; without the guard both get there and post (two requests
    arrive), with it the second claim finds the row `sending` and never posts."""
    api_as(customer_admin).post(
        "/api/v1/webhooks/", {"url": receiver.url, "events": ["request.status_changed"]}, format="json"
    )
    with mock.patch.object(services, "webhook_deliveries_dispatch"):  # held in the outbox
        open_request(customer_admin, register(customer_admin, "JN11AC220001"))
    delivery = WebhookDelivery.objects.get()

    outcomes = race(
        lambda: services.webhook_delivery_send(delivery_id=delivery.pk),
        lambda: services.webhook_delivery_send(delivery_id=delivery.pk),
        pause_at=[(services, "webhook_post")],
    )

    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    assert sorted(o.value for o in outcomes) == [False, True]
    assert len(receiver.received) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 1)
