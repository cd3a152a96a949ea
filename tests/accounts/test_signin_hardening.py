"""Sign-in hardening: wrong-password lockout on every sign-in path (django-axes)."""

import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"


def wrong_token_attempt(api, username, address="203.0.113.7"):
    return api.post(TOKEN, {"username": username, "password": "wrong"}, format="json", REMOTE_ADDR=address)


# --- lockout -------------------------------------------------------------------
def test_the_token_endpoint_locks_an_account_after_five_wrong_passwords(api, customer):
    assert [wrong_token_attempt(api, "customer").status_code for _ in range(5)] == [401, 401, 401, 401, 429]
    # The right password, from another address: still refused, the account is locked.
    answer = api.post(
        TOKEN, {"username": "customer", "password": PASSWORD}, format="json", REMOTE_ADDR="198.51.100.1"
    )
    assert answer.status_code == 429
    assert answer.json() == {
        "detail": "Too many failed sign-in attempts. Try again in 15 minutes.",
        "code": "too_many_attempts",
    }
    assert answer["Retry-After"] == "900"


def test_four_wrong_passwords_then_the_right_one_signs_in(api, customer):
    assert [wrong_token_attempt(api, "customer").status_code for _ in range(4)] == [401, 401, 401, 401]
    answer = api.post(
        TOKEN, {"username": "customer", "password": PASSWORD}, format="json", REMOTE_ADDR="203.0.113.7"
    )
    assert answer.status_code == 200


def test_the_token_endpoint_locks_an_address_guessing_many_accounts(api, customer, partner):
    assert [wrong_token_attempt(api, name).status_code for name in "abcde"] == [401, 401, 401, 401, 429]
    # The partner never failed, but this address did five times.
    answer = api.post(
        TOKEN, {"username": "partner", "password": PASSWORD}, format="json", REMOTE_ADDR="203.0.113.7"
    )
    assert answer.status_code == 429
    elsewhere = api.post(
        TOKEN, {"username": "partner", "password": PASSWORD}, format="json", REMOTE_ADDR="198.51.100.1"
    )
    assert elsewhere.status_code == 200


def test_the_sign_in_page_locks_out_with_a_clear_page(client, customer):
    wrong = [
        client.post("/login/", {"username": "customer", "password": "wrong"}).status_code for _ in range(5)
    ]
    assert wrong == [200, 200, 200, 200, 429]
    response = client.post("/login/", {"username": "customer", "password": PASSWORD})
    assert response.status_code == 429
    assert "Signing in is paused after 5 wrong attempts. Try again in 15 minutes." in response.text
    assert response["Retry-After"] == "900"
    assert "_auth_user_id" not in client.session


def test_the_admin_sign_in_is_locked_out_too(client, staff):
    for _ in range(5):
        client.post("/admin/login/", {"username": "staff", "password": "wrong"})
    response = client.post("/admin/login/?next=/admin/", {"username": "staff", "password": PASSWORD})
    assert response.status_code == 429
    assert "Signing in is paused" in response.text


def test_a_lockout_on_the_page_also_closes_the_api(client, api, customer):
    for _ in range(5):
        client.post("/login/", {"username": "customer", "password": "wrong"})
    answer = api.post(
        TOKEN, {"username": "customer", "password": PASSWORD}, format="json", REMOTE_ADDR="198.51.100.1"
    )
    assert answer.status_code == 429
