"""Done when (issue 15): a webhook arrives at a local receiver, its signature checks out with the
endpoint's secret, a 500 is retried after a minute, and after a 2xx it is delivered exactly once;
a private address is refused. Plus the retry schedule, the day's limit and pausing."""

import datetime as dt
import hashlib
import hmac
import json

import pytest

from notices.models import Notice
from tests.relicensing.registering import register
from tests.relicensing.requesting import open_request
from webhooks import services, tasks
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db(transaction=True)

FRIDAY_NOON = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)


def verified(secret: str, header: str, body: str) -> bool:
    """The receiver's check, written from the documented scheme (not from the code under test)."""
    fields = [part.split("=", 1) for part in header.split(",")]
    timestamp = next(value for key, value in fields if key == "t")
    expected = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, value) for key, value in fields if key == "v1")


def register_endpoint(api_as, user, url, events=("request.status_changed",)):
    answer = api_as(user).post("/api/v1/webhooks/", {"url": url, "events": list(events)}, format="json")
    assert answer.status_code == 201, answer.json()
    return answer.json()


def test_a_webhook_is_signed_retried_after_a_500_and_delivered_once(
    api_as, customer_admin, receiver, acx2200, frozen_friday, time_machine
):
    endpoint = register_endpoint(api_as, customer_admin, receiver.url)
    assert endpoint["secret"].startswith("whsec_")
    receiver.script = [500]  # the first attempt fails; the next succeeds

    request = open_request(customer_admin, register(customer_admin, "JN11AC220001"))

    assert len(receiver.received) == 1
    first = receiver.received[0]
    assert first.path == "/hooks/relicensing"
    assert verified(endpoint["secret"], first.headers["Relicensing-Signature"], first.body)
    assert first.headers["Relicensing-Signature"].startswith(f"t={int(FRIDAY_NOON.timestamp())},v1=")
    event = json.loads(first.body)
    assert event["type"] == "request.status_changed"
    assert event["data"]["id"] == request.pk
    assert event["data"]["number"] == request.number
    assert event["data"]["status"] == "submitted"
    assert event["data"]["items"][0]["serial_number"] == "JN11AC220001"
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("pending", 1, 500)
    assert delivery.next_attempt_at == FRIDAY_NOON + dt.timedelta(minutes=1)

    time_machine.move_to(FRIDAY_NOON + dt.timedelta(seconds=30), tick=False)
    tasks.webhooks_send_due()
    assert len(receiver.received) == 1  # not yet: the retry is a minute after the failure

    time_machine.move_to(FRIDAY_NOON + dt.timedelta(minutes=1), tick=False)
    tasks.webhooks_send_due()
    assert len(receiver.received) == 2
    second = receiver.received[1]
    assert json.loads(second.body)["id"] == event["id"]  # the same event, the same bytes
    assert second.body == first.body
    assert verified(endpoint["secret"], second.headers["Relicensing-Signature"], second.body)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("delivered", 2, 200)

    time_machine.move_to(FRIDAY_NOON + dt.timedelta(hours=2), tick=False)
    tasks.webhooks_send_due()
    services.webhook_delivery_send(delivery_id=delivery.pk)  # a stray second message changes nothing
    assert len(receiver.received) == 2

    log = api_as(customer_admin).get(f"/api/v1/webhooks/{endpoint['id']}/deliveries/").json()
    assert log["count"] == 1
    assert log["results"][0]["status"] == "delivered"
    assert log["results"][0]["response_code"] == 200
    assert log["results"][0]["attempts"] == 2


def test_a_registered_private_address_is_refused(api_as, customer_admin):
    for url in ("https://10.1.2.3/hook", "https://192.168.0.10/hook", "https://169.254.169.254/latest"):
        answer = api_as(customer_admin).post(
            "/api/v1/webhooks/", {"url": url, "events": ["quote.issued"]}, format="json"
        )
        assert answer.status_code == 400, url
        assert answer.json()["code"] == "url_not_public", url
    assert not WebhookEndpoint.objects.exists()


def test_retries_back_off_and_stop_a_day_after_the_first_attempt_then_the_endpoint_pauses(
    api_as, customer_admin, receiver, acx2200, frozen_friday, time_machine, mailbox
):
    endpoint = register_endpoint(api_as, customer_admin, receiver.url)
    receiver.script = [503] * 100
    open_request(customer_admin, register(customer_admin, "JN11AC220001"))
    delivery = WebhookDelivery.objects.get()
    waits = []
    while delivery.status == "pending":
        waits.append(delivery.next_attempt_at - dt.datetime.now(dt.UTC))
        time_machine.move_to(delivery.next_attempt_at, tick=False)
        services.webhooks_send_due()
        delivery.refresh_from_db()
    # 1, 2, 4 ... minutes, then hourly, until 24 hours after the first attempt.
    minutes = [round(w.total_seconds() / 60) for w in waits]
    assert minutes[:7] == [1, 2, 4, 8, 16, 32, 60]
    assert set(minutes[7:]) == {60}
    assert delivery.status == "failed"
    assert delivery.first_attempt_at == FRIDAY_NOON
    assert dt.datetime.now(dt.UTC) - FRIDAY_NOON >= dt.timedelta(hours=24)
    assert len(receiver.received) == delivery.attempts

    paused = WebhookEndpoint.objects.get(pk=endpoint["id"])
    assert paused.status == "paused"
    told = Notice.objects.get(event="webhook_endpoint_paused")
    assert told.recipient == customer_admin
    assert receiver.url in told.render("body.txt")

    # Paused: a new event waits, nothing is posted until the administrator resumes.
    posted = len(receiver.received)
    receiver.script = []
    open_request(customer_admin, register(customer_admin, "JN11AC220002"))
    services.webhooks_send_due()
    assert len(receiver.received) == posted
    waiting = WebhookDelivery.objects.get(status="pending")
    answer = api_as(customer_admin).post(f"/api/v1/webhooks/{endpoint['id']}/resume/")
    assert answer.status_code == 200
    assert answer.json()["status"] == "active"
    assert len(receiver.received) == posted + 1
    waiting.refresh_from_db()
    assert waiting.status == "delivered"


def test_a_failed_delivery_is_sent_again_on_request(
    api_as, customer_admin, receiver, acx2200, frozen_friday, time_machine
):
    endpoint = register_endpoint(api_as, customer_admin, receiver.url)
    receiver.script = [500]
    open_request(customer_admin, register(customer_admin, "JN11AC220001"))
    delivery = WebhookDelivery.objects.get()
    answer = api_as(customer_admin).post(
        f"/api/v1/webhooks/{endpoint['id']}/deliveries/{delivery.pk}/resend/"
    )
    assert answer.status_code == 202
    assert len(receiver.received) == 2
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
