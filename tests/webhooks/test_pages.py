"""The webhook pages: register with event checkboxes (a private address refused beside the field),
the secret shown once, the delivery log with re-send, rotation and deletion after confirmation."""

import pytest

from tests.relicensing.registering import register, text
from tests.relicensing.requesting import open_request
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_administrator_registers_an_endpoint_and_sees_its_secret_once(client, customer_admin, receiver):
    client.force_login(customer_admin)
    page = client.get("/webhooks/")
    assert page.status_code == 200
    assert 'value="quote.issued"' in text(page)

    refused = client.post("/webhooks/", {"url": "https://10.0.0.8/in", "events": ["quote.issued"]})
    assert refused.status_code == 200
    assert "webhooks go only to public addresses" in text(refused)
    assert not WebhookEndpoint.objects.exists()

    shown = client.post("/webhooks/", {"url": receiver.url, "events": ["quote.issued", "contract.issued"]})
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret in text(shown)
    assert "not shown again" in text(shown)
    assert shown["Cache-Control"] == "no-store"
    assert endpoint.secret not in text(client.get(f"/webhooks/{endpoint.pk}/"))
    assert endpoint.secret not in text(client.get("/webhooks/"))


def test_the_delivery_log_resends_and_the_secret_rotates_after_confirmation(
    client, customer_admin, receiver, acx2200, frozen_friday
):
    endpoint = WebhookEndpoint.objects.create(
        organization=customer_admin.organization,
        url=receiver.url,
        events=["request.status_changed"],
        secret="whsec_1",
    )
    receiver.script = [500]
    open_request(customer_admin, register(customer_admin, "JN11AC220001"))
    delivery = WebhookDelivery.objects.get()
    client.force_login(customer_admin)
    log = text(client.get(f"/webhooks/{endpoint.pk}/"))
    assert "request.status_changed" in log and "500" in log and "Re-send" in log

    client.post(f"/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/resend/")
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert len(receiver.received) == 2

    asked = client.post(f"/webhooks/{endpoint.pk}/rotate-secret/")
    assert "Rotate this endpoint" in text(asked)
    endpoint.refresh_from_db()
    assert endpoint.secret == "whsec_1"  # not yet
    done = client.post(f"/webhooks/{endpoint.pk}/rotate-secret/", {"confirmed": "yes"})
    endpoint.refresh_from_db()
    assert endpoint.secret != "whsec_1"
    assert endpoint.secret in text(done)

    asked = client.post(f"/webhooks/{endpoint.pk}/delete/")
    assert "cannot be undone" in text(asked)
    assert WebhookEndpoint.objects.exists()
    client.post(f"/webhooks/{endpoint.pk}/delete/", {"confirmed": "yes"})
    assert not WebhookEndpoint.objects.exists()


def test_a_teammate_is_refused_and_an_outsider_finds_nothing(
    client, customer_admin, teammate, other_customer
):
    endpoint = WebhookEndpoint.objects.create(
        organization=customer_admin.organization,
        url="https://hooks.example/in",
        events=["quote.issued"],
        secret="s",
    )
    client.force_login(teammate)
    assert client.get("/webhooks/").status_code == 403
    assert client.get(f"/webhooks/{endpoint.pk}/").status_code == 403
    other_customer.is_organization_admin = True
    other_customer.save()
    client.force_login(other_customer)
    assert client.get("/webhooks/").status_code == 200
    assert client.get(f"/webhooks/{endpoint.pk}/").status_code == 404
    assert client.post(f"/webhooks/{endpoint.pk}/delete/", {"confirmed": "yes"}).status_code == 404


def test_a_paused_endpoint_says_so_and_its_administrator_resumes_it(client, customer_admin, staff):
    endpoint = WebhookEndpoint.objects.create(
        organization=customer_admin.organization,
        url="https://hooks.example/in",
        events=["quote.issued"],
        secret="s",
        status="paused",
        paused_at="2026-11-20T12:00:00Z",
    )
    client.force_login(staff)
    listed = text(client.get("/webhooks/"))
    assert "Acme Networks" in listed and "Paused" in listed  # staff see every organisation's
    client.force_login(customer_admin)
    page = text(client.get(f"/webhooks/{endpoint.pk}/"))
    assert "every attempt failed for a day" in page
    assert "Resume sending" in page
    client.post(f"/webhooks/{endpoint.pk}/resume/")
    endpoint.refresh_from_db()
    assert endpoint.status == "active"
    assert "Resume sending" not in text(client.get(f"/webhooks/{endpoint.pk}/"))


def test_staff_register_an_endpoint_for_the_organisation_they_choose(client, staff, acme, borealis, receiver):
    client.force_login(staff)
    page = text(client.get("/webhooks/"))
    assert '<select name="organization"' in page
    assert page.index(">Acme Networks<") < page.index(">Borealis Data<")  # by name

    shown = client.post(
        "/webhooks/", {"organization": borealis.pk, "url": receiver.url, "events": ["quote.issued"]}
    )
    assert "not shown again" in text(shown)
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.organization == borealis
    assert endpoint.created_by == staff
    row = next(line for line in text(client.get("/webhooks/")).split("<tr>") if receiver.url in line)
    assert "Borealis Data" in row  # the list says whose it is


def test_staff_who_choose_no_organisation_are_asked_to(client, staff, acme, receiver):
    client.force_login(staff)
    answer = client.post("/webhooks/", {"url": receiver.url, "events": ["quote.issued"]})
    assert answer.status_code == 200
    assert "This field is required." in text(answer)
    assert not WebhookEndpoint.objects.exists()


def test_an_administrator_cannot_register_for_another_organisation(
    client, customer_admin, borealis, receiver
):
    client.force_login(customer_admin)
    assert 'name="organization"' not in text(client.get("/webhooks/"))

    client.post("/webhooks/", {"organization": borealis.pk, "url": receiver.url, "events": ["quote.issued"]})
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.organization.name == "Acme Networks"  # their own, whatever was posted
