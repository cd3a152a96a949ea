"""Sign-in hardening: wrong-password lockout on every sign-in path (django-axes); API keys that
expire, are kept hashed, are listed and revoked by their owner and end on a password change
(django-rest-knox); a second factor for staff where STAFF_REQUIRE_2FA is on (django-otp)."""

import re
from base64 import b32encode
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from accounts.second_factor import recovery_codes_issue, totp_device_create
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


# --- API keys ------------------------------------------------------------------
def token_for(api, username="customer"):
    answer = api.post(TOKEN, {"username": username, "password": PASSWORD}, format="json")
    assert answer.status_code == 200, answer.json()
    return answer.json()


def test_a_key_expires_thirty_days_after_it_is_issued(api, customer, time_machine):
    time_machine.move_to("2026-11-20 09:00Z", tick=False)
    body = token_for(api)
    assert body["expires"] == "2026-12-20T09:00:00Z"
    api.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    time_machine.move_to("2026-12-20 08:59Z", tick=False)
    assert api.get("/api/v1/organizations/").status_code == 200
    time_machine.move_to("2026-12-20 09:01Z", tick=False)
    assert api.get("/api/v1/organizations/").status_code == 401


def test_a_key_is_stored_hashed(api, customer):
    key = token_for(api)["token"]
    [row] = AuthToken.objects.filter(user=customer)
    assert key not in row.digest
    assert len(row.digest) == 128  # a SHA-512 digest, not the key


def test_revoke_ends_the_key_presented_and_only_that_one(api, customer):
    first = token_for(api)["token"]
    second = token_for(api)["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert api.post("/api/v1/auth/token/revoke/").status_code == 204
    assert api.get("/api/v1/organizations/").status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert api.get("/api/v1/organizations/").status_code == 200


def test_revoke_without_a_key_is_a_401(api, client, customer):
    assert api.post("/api/v1/auth/token/revoke/").status_code == 401
    client.force_login(customer)  # a browser session presents no key to revoke
    assert client.post("/api/v1/auth/token/revoke/").status_code == 401


def test_a_password_change_ends_every_key(api, customer):
    keys = [token_for(api)["token"] for _ in range(2)]
    customer.set_password("a-new-password-2026")
    customer.save()
    for key in keys:
        api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert api.get("/api/v1/organizations/").status_code == 401


def test_the_owner_lists_and_revokes_keys_on_a_page(api, client, customer, other_customer):
    key = token_for(api)["token"]
    token_for(api, "customer2")
    client.force_login(customer)
    page = client.get("/account/api-keys/")
    assert page.status_code == 200
    assert f"{key[:8]}…" in page.text
    mine = AuthToken.objects.get(user=customer)
    theirs = AuthToken.objects.get(user=other_customer)
    # Another person's key, named on this user's revoke address: nothing ends.
    client.post(f"/account/api-keys/{theirs.token_key}/revoke/")
    assert AuthToken.objects.filter(pk=theirs.pk).exists()
    answer = client.post(f"/account/api-keys/{mine.token_key}/revoke/", follow=True)
    assert f"The API key starting {key[:8]} no longer signs in." in answer.text
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/organizations/").status_code == 401


def test_revoke_is_in_the_schema(client):
    paths = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    assert "post" in paths["/api/v1/auth/token/revoke/"]
    assert "204" in paths["/api/v1/auth/token/revoke/"]["post"]["responses"]


# --- staff second factor ---------------------------------------------------------
def current_code(device):
    from django_otp.oath import totp

    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def staff_app(staff):
    return totp_device_create(user=staff)


@pytest.fixture
def two_factor_on(settings):
    settings.STAFF_REQUIRE_2FA = True


def test_staff_token_needs_a_code_when_required(api, staff, staff_app, two_factor_on):
    missing = api.post(TOKEN, {"username": "staff", "password": PASSWORD}, format="json")
    assert missing.status_code == 401
    assert missing.json()["code"] == "otp_required"
    wrong = api.post(TOKEN, {"username": "staff", "password": PASSWORD, "otp": "000000"}, format="json")
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "otp_invalid"
    staff_app.refresh_from_db()
    staff_app.throttle_reset()  # django-otp slows down a device after a wrong code
    right = api.post(
        TOKEN, {"username": "staff", "password": PASSWORD, "otp": current_code(staff_app)}, format="json"
    )
    assert right.status_code == 200
    assert set(right.json()) == {"token", "expires"}


def test_a_recovery_code_works_once(api, staff, staff_app, two_factor_on):
    code = recovery_codes_issue(user=staff)[0]
    first = api.post(TOKEN, {"username": "staff", "password": PASSWORD, "otp": code}, format="json")
    assert first.status_code == 200
    again = api.post(TOKEN, {"username": "staff", "password": PASSWORD, "otp": code}, format="json")
    assert again.status_code == 401
    assert again.json()["code"] == "otp_invalid"


def test_customers_and_staff_without_the_setting_need_no_code(api, customer, staff, staff_app, settings):
    settings.STAFF_REQUIRE_2FA = True
    assert api.post(TOKEN, {"username": "customer", "password": PASSWORD}, format="json").status_code == 200
    settings.STAFF_REQUIRE_2FA = False
    assert api.post(TOKEN, {"username": "staff", "password": PASSWORD}, format="json").status_code == 200


def test_the_sign_in_page_asks_staff_for_the_code(client, staff, staff_app, two_factor_on):
    refused = client.post("/login/", {"username": "staff", "password": PASSWORD})
    assert refused.status_code == 200
    assert "Enter the 6-digit code from your authenticator app" in refused.text
    assert "_auth_user_id" not in client.session
    signed_in = client.post(
        "/login/", {"username": "staff", "password": PASSWORD, "otp": current_code(staff_app)}
    )
    assert signed_in.status_code == 302
    assert client.get("/admin/").status_code == 200  # the session is verified: the admin opens


def test_the_admin_asks_staff_for_the_code(client, staff, staff_app, two_factor_on):
    refused = client.post("/admin/login/?next=/admin/", {"username": "staff", "password": PASSWORD})
    assert refused.status_code == 200
    assert "Enter the 6-digit code from your authenticator app" in refused.text
    # A session signed in some other way, without a code, does not open the admin either.
    client.force_login(staff)
    assert client.get("/admin/").status_code == 302
    client.logout()
    signed_in = client.post(
        "/admin/login/?next=/admin/",
        {"username": "staff", "password": PASSWORD, "otp": current_code(staff_app)},
    )
    assert signed_in.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_loaddemo_prints_the_demo_staff_authenticator_secret(settings, capsys):
    from django.core.management import call_command
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.DEBUG = True
    call_command("loaddemo")
    device = TOTPDevice.objects.get(user__username="staff")
    secret = b32encode(device.bin_key).decode()
    assert f"Staff authenticator secret (for STAFF_REQUIRE_2FA=true; add it to any TOTP app): {secret}" in (
        capsys.readouterr().out
    )
    call_command("loaddemo")  # a second run keeps the same device, so the app already set up still works
    assert TOTPDevice.objects.filter(user__username="staff").count() == 1


def test_a_forwarded_for_header_does_not_make_a_new_address(api, customer, partner):
    answers = [
        api.post(
            TOKEN,
            {"username": name, "password": "wrong"},
            format="json",
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        ).status_code
        for n, name in enumerate("abcde")
    ]
    assert answers == [401, 401, 401, 401, 429]


def test_staff_issue_recovery_codes_on_a_page_and_the_old_set_ends(
    client, api, staff, customer, two_factor_on
):
    client.force_login(customer)
    assert client.post("/account/recovery-codes/").status_code == 403
    client.force_login(staff)
    old = recovery_codes_issue(user=staff)[0]
    page = client.post("/account/recovery-codes/")
    assert page.status_code == 200
    assert "they are not shown again" in page.text
    assert f"<code>{old}</code>" not in page.text
    refused = api.post(TOKEN, {"username": "staff", "password": PASSWORD, "otp": old}, format="json")
    assert refused.json()["code"] == "otp_invalid"
    new = page.context["codes"][0]
    from django_otp.plugins.otp_static.models import StaticDevice

    StaticDevice.objects.get(user=staff).throttle_reset()  # the wrong code above slowed the device down
    assert (
        api.post(TOKEN, {"username": "staff", "password": PASSWORD, "otp": new}, format="json").status_code
        == 200
    )


# --- the first authenticator, from the command line ---------------------------------------------
def test_a_staff_member_gets_an_authenticator_from_the_command_line_and_signs_in_with_it(
    api, staff, settings
):
    settings.STAFF_REQUIRE_2FA = True
    out = StringIO()
    call_command("authenticator_issue", "staff", stdout=out)
    printed = out.getvalue()
    secret = re.search(r"enter the secret by hand: ([A-Z2-7]+)", printed).group(1)
    device = TOTPDevice.objects.get(user=staff)
    assert secret == b32encode(device.bin_key).decode()
    assert len(re.search(r"Recovery codes .*\n  (.+)", printed).group(1).split()) == 10
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    answer = api.post(TOKEN, {"username": "staff", "password": PASSWORD, "otp": code}, format="json")
    assert answer.status_code == 200, answer.json()


def test_the_command_refuses_non_staff_and_an_authenticator_already_set_up(customer, staff):
    with pytest.raises(CommandError, match="customer is not staff"):
        call_command("authenticator_issue", "customer")
    call_command("authenticator_issue", "staff", stdout=StringIO())
    with pytest.raises(CommandError, match="already has an authenticator; --replace"):
        call_command("authenticator_issue", "staff")
    call_command("authenticator_issue", "staff", "--replace", stdout=StringIO())
    with pytest.raises(CommandError, match="No user 'nobody'"):
        call_command("authenticator_issue", "nobody")
