"""Idempotency-Key on every creating or state-changing POST: a retry replays the first answer, a
reused key with another call is a 422, a call still running is a 409, keys last a day."""

import datetime as dt

import pytest
from django.urls import get_resolver
from rest_framework.test import APIClient

from common.idempotency import idempotency_keys_forget
from common.models import IdempotencyKey
from portal.api import requests as request_api
from relicensing.models import Request
from tests.races import race

T0 = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
SITE = {
    "name": "Acme HQ",
    "address": "1 Network Way, Leeds",
    "country": "GB",
    "contact_name": "Casey Morgan",
    "contact_email": "casey@acme.example",
    "contact_phone": "+44 113 000 0000",
}


def register(client, serial):
    body = {
        "vendor": "juniper",
        "serial_number": serial,
        "product": "ACX2200",
        "acquisition_channel": "secondary_market",
    }
    return client.post("/api/v1/equipment/", body, format="json").json()["id"]


def open_body(*equipment):
    return {"site": SITE, "equipment": list(equipment), "preferred_inspection_date": "2026-12-07"}


def post(client, body, key, path="/api/v1/requests/"):
    return client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.fixture
def chassis(api_as, customer, acx2200, time_machine):
    time_machine.move_to(T0, tick=False)
    return register(api_as(customer), "AB12CD34EF56")


@pytest.mark.django_db
def test_a_retry_gets_the_first_answer_and_creates_nothing(api_as, customer, chassis):
    client = api_as(customer)
    first = post(client, open_body(chassis), "retry-1")
    again = post(client, open_body(chassis), "retry-1")
    assert first.status_code == again.status_code == 201
    assert again.content == first.content  # the same bytes, keys in the same order
    assert again["Idempotent-Replayed"] == "true"
    assert Request.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_for_another_body_or_path_is_a_422(api_as, customer, chassis, acx2200):
    client = api_as(customer)
    post(client, open_body(chassis), "key-1")
    other = register(client, "AB12CD34EF57")
    changed = post(client, open_body(other), "key-1")
    assert changed.status_code == 422
    assert changed.json()["code"] == "idempotency_key_reused"
    elsewhere = post(
        client, {"reason": "x"}, "key-1", path=f"/api/v1/requests/{Request.objects.get().pk}/cancel/"
    )
    assert elsewhere.status_code == 422
    assert Request.objects.count() == 1 and Request.objects.get().status == "submitted"


@pytest.mark.django_db
def test_a_key_belongs_to_its_caller(api_as, customer, partner, chassis):
    first = post(api_as(customer), open_body(chassis), "shared-key")
    assert first.status_code == 201
    # The partner's call with the same key is its own call: it runs (and meets the taken chassis),
    # it does not get the customer's answer back.
    theirs = post(api_as(partner), {**open_body(chassis), "customer": customer.organization_id}, "shared-key")
    assert theirs.status_code == 409 and theirs.json()["code"] == "already_requested"


@pytest.mark.django_db
def test_an_error_answer_is_not_kept_so_a_retry_runs_again(api_as, customer, chassis):
    client = api_as(customer)
    blocking = post(client, open_body(chassis), "first-request").json()
    refused = post(client, open_body(chassis), "second-request")
    assert refused.status_code == 409
    client.post(f"/api/v1/requests/{blocking['id']}/cancel/", {}, format="json")
    retried = post(client, open_body(chassis), "second-request")
    assert retried.status_code == 201


@pytest.mark.django_db
def test_keys_are_forgotten_after_a_day(api_as, customer, chassis, time_machine):
    client = api_as(customer)
    first = post(client, open_body(chassis), "daily")
    client.post(f"/api/v1/requests/{first.json()['id']}/cancel/", {}, format="json")
    time_machine.move_to(T0 + dt.timedelta(hours=23), tick=False)
    assert post(client, open_body(chassis), "daily").json()["id"] == first.json()["id"]  # still replayed
    time_machine.move_to(T0 + dt.timedelta(hours=25), tick=False)
    fresh = post(client, open_body(chassis), "daily")
    assert fresh.status_code == 201 and fresh.json()["id"] != first.json()["id"]
    time_machine.move_to(T0 + dt.timedelta(hours=50), tick=False)
    assert idempotency_keys_forget() == 1  # the sweep deletes what lookups already ignore
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_a_key_longer_than_200_characters_is_a_400(api_as, customer, chassis):
    response = post(api_as(customer), open_body(chassis), "k" * 201)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()


@pytest.mark.django_db(transaction=True)
def test_a_duplicate_sent_while_the_first_still_runs_is_a_409(customer, chassis):
    # Guard: the advisory lock on (caller, key), tried before anything runs. The first call
    # pauses inside; without the lock the duplicate runs too, and answers "already requested"
    # (or, with other equipment, creates a second request).
    def call():
        client = APIClient()
        client.force_authenticate(customer)
        return post(client, open_body(chassis), "in-flight")

    first, second = race(call, call, pause_at=[(request_api.services, "request_create")])
    codes = sorted(o.value.status_code for o in (first, second))
    assert codes == [201, 409], [o.value.json() for o in (first, second)]
    duplicate = next(o.value for o in (first, second) if o.value.status_code == 409)
    assert duplicate.json()["code"] == "idempotency_in_flight"
    assert duplicate["Retry-After"] == "1"
    assert Request.objects.count() == 1


def test_every_post_of_the_api_honours_the_key():
    """Every creating or state-changing POST under /api/v1/ is wrapped; signing in is the one
    exception (no caller yet to bind a key to), and revoking the key presented (a repeat is a 401:
    the key is gone)."""
    unwrapped = []

    def walk(patterns, prefix=""):
        for entry in patterns:
            if hasattr(entry, "url_patterns"):  # an include(): its routes, under its prefix
                yield from walk(entry.url_patterns, prefix + str(entry.pattern))
            else:
                yield prefix + str(entry.pattern), entry.callback

    for path, callback in walk(get_resolver().url_patterns):
        if not path.startswith("api/v1/"):
            continue
        post_method = getattr(getattr(callback, "view_class", None), "post", None)
        if post_method and not getattr(post_method, "idempotent", False):
            unwrapped.append(path.removeprefix("api/v1/"))
    assert unwrapped == ["auth/token/", "auth/token/revoke/"]
