"""Tokens, organisations and inspectors through the API."""

import pytest

from notices.models import Notice
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_token_for_the_right_password(api, customer):
    response = api.post("/api/v1/auth/token/", {"username": "customer", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/organizations/").status_code == 200


def test_wrong_password_and_unknown_user_get_the_same_401(api, customer):
    wrong = api.post("/api/v1/auth/token/", {"username": "customer", "password": "nope"}, format="json")
    unknown = api.post("/api/v1/auth/token/", {"username": "nobody", "password": "nope"}, format="json")
    assert wrong.status_code == unknown.status_code == 401
    assert (
        wrong.json()
        == unknown.json()
        == {
            "detail": "Invalid username or password.",
            "code": "authentication_failed",
        }
    )


def test_token_request_missing_fields_is_a_400_by_field(api):
    response = api.post("/api/v1/auth/token/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"username", "password"}


def test_a_bad_token_is_a_401(api, customer):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    response = api.get("/api/v1/organizations/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_anonymous_is_401_with_a_challenge(api):
    response = api.get("/api/v1/organizations/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"


def test_every_new_key_is_announced_by_email(api, customer, mailbox, django_capture_on_commit_callbacks):
    # Each sign-in issues its own key (kept hashed, so an earlier one cannot be handed out again):
    # each is announced, so a stolen password used for a key always shows.
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            api.post("/api/v1/auth/token/", {"username": "customer", "password": PASSWORD}, format="json")
    assert Notice.objects.filter(recipient=customer, event="api_token_issued").count() == 2
    assert len(mailbox) == 2
    assert mailbox[0]["To"] == customer.email
    assert "API key" in mailbox[0]["Subject"]


def test_organisations_list_is_what_the_caller_may_see(api_as, everyone):
    response = api_as(everyone["partner"]).get("/api/v1/organizations/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert {(o["name"], o["kind"]) for o in body["results"]} == {
        ("Acme Networks", "customer"),
        ("NetReseller", "partner"),
    }


def test_inspectors_are_listed_for_staff_only(api_as, everyone):
    response = api_as(everyone["staff"]).get("/api/v1/inspectors/")
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["username"] == "inspector"
    assert row["name"] == everyone["inspector"].get_full_name()
    for who in ("customer", "partner", "inspector"):
        denied = api_as(everyone[who]).get("/api/v1/inspectors/")
        assert denied.status_code == 403, who
        assert denied.json()["code"] == "permission_denied"


def test_a_new_key_after_the_old_one_was_deleted_is_announced_again(
    api, customer, mailbox, time_machine, django_capture_on_commit_callbacks
):
    """A second occurrence about the same person is a second notice (it was dropped when notices
    were unique per event and object): a stolen password used again must show again."""
    from knox.models import AuthToken

    time_machine.move_to("2026-11-20 09:00Z", tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        api.post("/api/v1/auth/token/", {"username": "customer", "password": PASSWORD}, format="json")
    AuthToken.objects.filter(user=customer).delete()  # staff revoke the key
    time_machine.move_to("2026-11-20 10:00Z", tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        api.post("/api/v1/auth/token/", {"username": "customer", "password": PASSWORD}, format="json")
    assert Notice.objects.filter(recipient=customer, event="api_token_issued").count() == 2
    assert len(mailbox) == 2


# --- API keys past their expiry (accounts/authentication.py) -------------------------------------
def _keys(user, *, live: int, expired: int) -> str:
    """`live` and `expired` keys for `user`; one live key's secret."""
    import datetime as dt

    from django.utils import timezone
    from knox.models import AuthToken

    secrets = [AuthToken.objects.create(user=user)[1] for _ in range(live)]
    for _ in range(expired):
        token, _secret = AuthToken.objects.create(user=user)
        AuthToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - dt.timedelta(days=1))
    return secrets[0]


def test_a_call_reads_its_own_key_alone_however_many_keys_the_caller_holds(api, partner):
    # knox's own check read every key of the caller on each call (to delete the expired ones): a
    # partner with 40 keys paid for 40 rows a request. Here no statement reads the caller's keys,
    # and the expired ones are left to the hourly job.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from knox.models import AuthToken

    api.credentials(HTTP_AUTHORIZATION=f"Token {_keys(partner, live=20, expired=20)}")
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/api/v1/vendors/").status_code == 200
    keys_of_the_caller = [q["sql"] for q in queries if 'WHERE "knox_authtoken"."user_id" =' in q["sql"]]
    assert keys_of_the_caller == []
    assert AuthToken.objects.filter(user=partner).count() == 40


def test_an_expired_key_is_refused_until_the_hourly_job_deletes_it(api, customer):
    import datetime as dt

    from django.utils import timezone
    from knox.models import AuthToken

    from accounts.tasks import api_keys_expired_delete

    token, secret = AuthToken.objects.create(user=customer)
    AuthToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert api.get("/api/v1/vendors/").status_code == 401
    assert api_keys_expired_delete() == 1
    assert not AuthToken.objects.filter(pk=token.pk).exists()
    assert api.get("/api/v1/vendors/").status_code == 401


def test_the_hourly_job_deletes_expired_keys_and_keeps_live_ones(customer, partner):
    from knox.models import AuthToken

    from accounts.tasks import api_keys_expired_delete

    _keys(customer, live=2, expired=3)
    _keys(partner, live=1, expired=4)
    assert api_keys_expired_delete() == 7
    assert sorted(AuthToken.objects.values_list("user__username", flat=True)) == [
        "customer",
        "customer",
        "partner",
    ]
