"""Who may manage an organisation's webhooks (its administrators, staff; a teammate 403, anyone
else 404), event names, and rotating a secret with a day's overlap."""

import datetime as dt

import pytest

from tests.relicensing.registering import register
from tests.relicensing.requesting import open_request
from tests.webhooks.test_delivery import verified
from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db(transaction=True)

URL = "https://hooks.example/in"  # never resolved: the endpoint is written directly


@pytest.fixture
def acme_endpoint(acme, customer_admin):
    return WebhookEndpoint.objects.create(
        organization=acme, url=URL, events=["quote.issued"], secret="whsec_acme", created_by=customer_admin
    )


def test_owner_admin_lists_reads_and_deletes(api_as, customer_admin, acme_endpoint):
    client = api_as(customer_admin)
    listed = client.get("/api/v1/webhooks/").json()
    assert [e["url"] for e in listed["results"]] == [URL]
    assert "secret" not in listed["results"][0]
    assert client.get(f"/api/v1/webhooks/{acme_endpoint.pk}/").json()["events"] == ["quote.issued"]
    assert client.get(f"/api/v1/webhooks/{acme_endpoint.pk}/deliveries/").json()["count"] == 0
    assert client.delete(f"/api/v1/webhooks/{acme_endpoint.pk}/").status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_a_teammate_who_is_not_an_administrator_is_refused(api_as, teammate, acme_endpoint):
    client = api_as(teammate)
    assert client.get("/api/v1/webhooks/").status_code == 403
    assert client.get(f"/api/v1/webhooks/{acme_endpoint.pk}/").status_code == 403
    assert (
        client.post("/api/v1/webhooks/", {"url": URL, "events": ["quote.issued"]}, format="json").status_code
        == 403
    )
    assert client.post(f"/api/v1/webhooks/{acme_endpoint.pk}/rotate-secret/").status_code == 403


@pytest.mark.parametrize("who", ["other_customer", "partner", "other_partner", "inspector"])
def test_anyone_outside_the_organisation_gets_404(api_as, everyone, who, acme_endpoint):
    user = everyone[who]
    user.is_organization_admin = True  # even an administrator of another organisation
    user.save()
    client = api_as(user)
    assert client.get(f"/api/v1/webhooks/{acme_endpoint.pk}/").status_code == 404
    assert client.get(f"/api/v1/webhooks/{acme_endpoint.pk}/deliveries/").status_code == 404
    assert client.delete(f"/api/v1/webhooks/{acme_endpoint.pk}/").status_code == 404
    assert client.post(f"/api/v1/webhooks/{acme_endpoint.pk}/resume/").status_code == 404


def test_staff_see_and_manage_every_endpoint(api_as, staff, acme_endpoint):
    client = api_as(staff)
    assert [e["id"] for e in client.get("/api/v1/webhooks/").json()["results"]] == [acme_endpoint.pk]
    assert client.post(f"/api/v1/webhooks/{acme_endpoint.pk}/rotate-secret/").status_code == 200


def test_anonymous_callers_are_asked_to_sign_in(api, acme_endpoint):
    assert api.get("/api/v1/webhooks/").status_code == 401


def test_unknown_event_names_are_refused(api_as, customer_admin):
    answer = api_as(customer_admin).post(
        "/api/v1/webhooks/",
        {"url": "https://198.51.100.7/in", "events": ["quote.issued", "quote.eaten"]},
        format="json",
    )
    assert answer.status_code == 400
    assert "quote.eaten" in answer.json()["events"][0]


def test_after_rotation_both_secrets_sign_for_a_day_then_only_the_new(
    api_as, customer_admin, receiver, acx2200, frozen_friday, time_machine
):
    created = (
        api_as(customer_admin)
        .post("/api/v1/webhooks/", {"url": receiver.url, "events": ["request.status_changed"]}, format="json")
        .json()
    )
    rotated = api_as(customer_admin).post(f"/api/v1/webhooks/{created['id']}/rotate-secret/").json()
    old, new = created["secret"], rotated["secret"]
    assert old != new
    assert rotated["previous_secret_until"].startswith("2026-11-21T12:00:00")

    open_request(customer_admin, register(customer_admin, "JN11AC220001"))
    during = receiver.received[-1]
    assert during.headers["Relicensing-Signature"].count("v1=") == 2
    assert verified(new, during.headers["Relicensing-Signature"], during.body)
    assert verified(old, during.headers["Relicensing-Signature"], during.body)

    time_machine.move_to(dt.datetime(2026, 11, 21, 12, 0, 1, tzinfo=dt.UTC), tick=False)
    open_request(customer_admin, register(customer_admin, "JN11AC220002"), date=dt.date(2026, 12, 8))
    after = receiver.received[-1]
    assert after.headers["Relicensing-Signature"].count("v1=") == 1
    assert verified(new, after.headers["Relicensing-Signature"], after.body)
    assert not verified(old, after.headers["Relicensing-Signature"], after.body)


def test_a_partner_administrator_hears_of_its_customers_events(
    api_as, partner_admin, customer, receiver, acx2200, frozen_friday
):
    api_as(partner_admin).post(
        "/api/v1/webhooks/", {"url": receiver.url, "events": ["request.status_changed"]}, format="json"
    )
    request = open_request(customer, register(customer, "JN11AC220001"))
    assert len(receiver.received) == 1
    assert f'"number":"{request.number}"' in receiver.received[0].body


def test_an_unrelated_organisation_hears_nothing(
    api_as, other_partner, customer, receiver, acx2200, frozen_friday
):
    other_partner.is_organization_admin = True
    other_partner.save()
    api_as(other_partner).post(
        "/api/v1/webhooks/", {"url": receiver.url, "events": ["request.status_changed"]}, format="json"
    )
    open_request(customer, register(customer, "JN11AC220001"))
    assert receiver.received == []


def test_the_documented_signature_example_verifies():
    """The example in the API documentation is a real signature (secret whsec_example, body {})."""
    from webhooks.signing import VERIFICATION_EXAMPLE

    header = next(
        line.strip() for line in VERIFICATION_EXAMPLE.splitlines() if "Relicensing-Signature: t=" in line
    )
    assert verified("whsec_example", header.removeprefix("Relicensing-Signature: "), "{}")
