"""Webhooks never reach inside a network: the address is checked when registered, resolved and
checked again before each post (and each redirect), and the post goes to the address checked."""

import socket
from unittest import mock

import pytest

from tests.relicensing.registering import register
from tests.relicensing.requesting import open_request
from webhooks import services, transport
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db(transaction=True)

real_getaddrinfo = socket.getaddrinfo


def resolving(name: str, *addresses: str):
    """getaddrinfo with `name` answering the given addresses, one list per call (the last repeats)."""
    answers = list(addresses)

    def fake(host, port, *args, **kwargs):
        if host != name:
            return real_getaddrinfo(host, port, *args, **kwargs)
        address = answers.pop(0) if len(answers) > 1 else answers[0]
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]

    return mock.patch.object(transport.socket, "getaddrinfo", side_effect=fake)


def named_url(receiver, host="hooks.acme.example"):
    return receiver.url.replace("127.0.0.1", host)


def test_loopback_is_refused_where_the_setting_is_off(api_as, customer_admin, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    refused = {
        "https://127.0.0.1/hook": "url_not_public",
        "https://[::1]/hook": "url_not_public",
        "https://[fe80::1]/hook": "url_not_public",
        "https://[::ffff:10.0.0.1]/hook": "url_not_public",
        "https://0.0.0.0/hook": "url_not_public",
        "http://203.0.113.10/hook": "url_invalid",  # plain http
    }
    for url, code in refused.items():
        answer = api_as(customer_admin).post(
            "/api/v1/webhooks/", {"url": url, "events": ["quote.issued"]}, format="json"
        )
        assert (answer.status_code, answer.json().get("code")) == (400, code), url


def test_a_name_resolving_to_a_private_address_is_refused_at_registration(api_as, customer_admin):
    with resolving("hooks.acme.example", "10.20.30.40"):
        answer = api_as(customer_admin).post(
            "/api/v1/webhooks/",
            {"url": "https://hooks.acme.example/in", "events": ["quote.issued"]},
            format="json",
        )
    assert answer.status_code == 400
    assert answer.json()["code"] == "url_not_public"
    assert "10.20.30.40" in answer.json()["detail"]


def test_a_name_that_moved_to_a_private_address_is_not_posted_to(
    api_as, customer_admin, receiver, acx2200, frozen_friday
):
    url = named_url(receiver)
    with resolving("hooks.acme.example", "127.0.0.1"):
        api_as(customer_admin).post(
            "/api/v1/webhooks/", {"url": url, "events": ["request.status_changed"]}, format="json"
        )
    with resolving("hooks.acme.example", "192.168.1.20"):  # its DNS changed since
        open_request(customer_admin, register(customer_admin, "JN11AC220001"))
    assert receiver.received == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending"  # retried later, and checked again then
    assert delivery.response_code is None
    assert "192.168.1.20" in delivery.last_error


def test_the_post_goes_to_the_address_checked_not_a_second_lookup(
    api_as, customer_admin, receiver, acx2200, frozen_friday
):
    """DNS rebinding: the first lookup answers a good address, any later one a private one. The
    connection uses the checked address, so the post arrives, with the URL's own Host."""
    url = named_url(receiver)
    with resolving("hooks.acme.example", "127.0.0.1"):
        api_as(customer_admin).post(
            "/api/v1/webhooks/", {"url": url, "events": ["request.status_changed"]}, format="json"
        )
    with resolving("hooks.acme.example", "127.0.0.1", "10.0.0.1"):
        open_request(customer_admin, register(customer_admin, "JN11AC220001"))
    assert len(receiver.received) == 1
    assert receiver.received[0].headers["Host"].startswith("hooks.acme.example")
    assert WebhookDelivery.objects.get().status == "delivered"


def test_a_redirect_to_a_private_address_is_not_followed(
    api_as, customer_admin, receiver, acx2200, frozen_friday
):
    api_as(customer_admin).post(
        "/api/v1/webhooks/", {"url": receiver.url, "events": ["request.status_changed"]}, format="json"
    )
    receiver.script = [(307, "http://169.254.169.254/latest/meta-data/")]
    open_request(customer_admin, register(customer_admin, "JN11AC220001"))
    assert len(receiver.received) == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending"
    assert "169.254.169.254" in delivery.last_error


def test_a_redirect_to_a_public_address_is_followed(api_as, customer_admin, receiver, acx2200, frozen_friday):
    api_as(customer_admin).post(
        "/api/v1/webhooks/", {"url": receiver.url, "events": ["request.status_changed"]}, format="json"
    )
    receiver.script = [(308, "/hooks/moved")]
    open_request(customer_admin, register(customer_admin, "JN11AC220001"))
    assert [r.path for r in receiver.received] == ["/hooks/relicensing", "/hooks/moved"]
    assert receiver.received[1].body == receiver.received[0].body
    assert WebhookDelivery.objects.get().status == "delivered"


def test_more_than_three_redirects_are_not_followed(api_as, customer_admin, receiver, acx2200, frozen_friday):
    api_as(customer_admin).post(
        "/api/v1/webhooks/", {"url": receiver.url, "events": ["request.status_changed"]}, format="json"
    )
    receiver.script = [(307, "/again")] * 4
    open_request(customer_admin, register(customer_admin, "JN11AC220001"))
    assert len(receiver.received) == 4  # the first post and three redirects
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending"
    assert "redirects" in delivery.last_error


def test_an_endpoint_that_does_not_answer_times_out(api_as, customer_admin, acx2200, frozen_friday):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts the connection and never answers
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/slow"
    api_as(customer_admin).post(
        "/api/v1/webhooks/", {"url": url, "events": ["request.status_changed"]}, format="json"
    )
    with mock.patch.object(transport, "TIMEOUT", 0.5):
        open_request(customer_admin, register(customer_admin, "JN11AC220001"))
    listener.close()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending"
    assert "timed out" in delivery.last_error.lower()
    assert services.FIRST_RETRY.total_seconds() == 60
