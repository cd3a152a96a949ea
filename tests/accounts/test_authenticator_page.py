"""/account/authenticator/: a member of staff sets up a new authenticator app themselves. The new
secret counts only once the app has shown a code from it; then the old authenticator stops working,
in the same step. Where STAFF_REQUIRE_2FA is on, only a session verified with a second factor may
do it (an unverified one is sent to /account/verify/ first).

The new secret is set to RFC 6238's test key ("12345678901234567890") so its codes are the RFC's:
081804 at 1111111109 s and 005924 at 1234567890 s (the last six digits of 07081804 and 89005924)."""

import datetime as dt

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.second_factor import totp_device_create
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

PAGE = "/account/authenticator/"
RFC_KEY = "3132333435363738393031323334353637383930"  # hex of "12345678901234567890"
RFC_SECRET = "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"  # the same key in base 32, as the page shows it
SETUP_AT = dt.datetime.fromtimestamp(1111111109, tz=dt.UTC)  # 18 March 2005, 01:58:29
NEW_CODE_AT_SETUP = "081804"
LATER = dt.datetime.fromtimestamp(1234567890, tz=dt.UTC)  # 13 February 2009, 23:31:30
NEW_CODE_LATER = "005924"
WRONG_CODE = (
    "That code does not match the new authenticator, so nothing has changed: your current "
    "authenticator still signs you in."
)


def code_of(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def sign_in(client, code):
    return client.post("/login/", {"username": "staff", "password": PASSWORD, "otp": code})


def start_with_the_rfc_key(client, staff):
    """Press "Set up a new authenticator", then give the new secret the RFC's test key."""
    response = client.post(PAGE, {"action": "start"})
    assert (response.status_code, response["Location"]) == (302, PAGE)
    pending = TOTPDevice.objects.get(user=staff, confirmed=False)
    pending.key = RFC_KEY
    pending.save(update_fields=["key"])
    return pending


@pytest.fixture
def old_app(staff):
    return totp_device_create(user=staff)


@pytest.fixture
def two_factor_on(settings):
    settings.STAFF_REQUIRE_2FA = True


def test_staff_replace_their_authenticator_and_only_the_new_one_signs_in(
    client, staff, old_app, two_factor_on, time_machine
):
    time_machine.move_to(SETUP_AT, tick=False)
    assert sign_in(client, code_of(old_app)).status_code == 302  # a verified session
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "An authenticator app is set up" in page.text
    start_with_the_rfc_key(client, staff)
    page = client.get(PAGE)
    assert f'<code id="authenticator-secret">{RFC_SECRET}</code>' in page.text
    assert '<img class="qr" src="data:image/svg+xml;charset=utf-8,' in page.text
    assert page["Cache-Control"].startswith("max-age=0")  # the secret is not kept in a cache
    # Not in force yet: the old app still signs in and nothing else changed.
    assert TOTPDevice.objects.get(user=staff, confirmed=True) == old_app

    done = client.post(PAGE, {"action": "confirm", "code": NEW_CODE_AT_SETUP}, follow=True)
    assert "Your new authenticator is in force; the old one no longer signs you in." in done.text
    new = TOTPDevice.objects.get(user=staff)
    assert (new.key, new.confirmed) == (RFC_KEY, True)
    assert not TOTPDevice.objects.filter(pk=old_app.pk).exists()
    assert client.get("/admin/").status_code == 200  # the session stays verified, by the new app

    client.post("/logout/")
    time_machine.move_to(LATER, tick=False)
    refused = sign_in(client, code_of(old_app))
    assert refused.status_code == 200
    assert "That code is not valid" in refused.text
    time_machine.move_to(LATER + dt.timedelta(seconds=5), tick=False)  # past the wrong code's delay
    assert sign_in(client, NEW_CODE_LATER).status_code == 302


def test_a_wrong_code_changes_nothing_and_says_so(client, staff, old_app, time_machine):
    time_machine.move_to(SETUP_AT, tick=False)
    client.force_login(staff)  # STAFF_REQUIRE_2FA off: any staff session may set one up
    pending = start_with_the_rfc_key(client, staff)
    page = client.post(PAGE, {"action": "confirm", "code": "000000"})
    assert page.status_code == 200
    assert WRONG_CODE in page.text
    assert f'<code id="authenticator-secret">{RFC_SECRET}</code>' in page.text  # try again, same secret
    assert list(TOTPDevice.objects.filter(user=staff, confirmed=True)) == [old_app]
    pending.refresh_from_db()
    assert pending.confirmed is False


def test_a_code_from_the_old_app_does_not_confirm_the_new_one(client, staff, old_app, time_machine):
    time_machine.move_to(SETUP_AT, tick=False)
    client.force_login(staff)
    start_with_the_rfc_key(client, staff)
    page = client.post(PAGE, {"action": "confirm", "code": code_of(old_app)})
    assert WRONG_CODE in page.text
    assert list(TOTPDevice.objects.filter(user=staff, confirmed=True)) == [old_app]


@pytest.mark.parametrize("who", ["customer", "partner", "inspector"])
def test_only_staff_have_the_page(client, everyone, who):
    client.force_login(everyone[who])
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"action": "start"}).status_code == 403
    assert not TOTPDevice.objects.exists()


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get(PAGE)
    assert (response.status_code, response["Location"]) == (302, "/login/?next=/account/authenticator/")


def test_an_unverified_staff_session_is_sent_to_verify_first(
    client, staff, old_app, two_factor_on, time_machine
):
    time_machine.move_to(SETUP_AT, tick=False)
    client.force_login(staff)  # signed in without a code (before the setting was on)
    for response in (client.get(PAGE), client.post(PAGE, {"action": "start"})):
        assert (response.status_code, response["Location"]) == (
            302,
            "/account/verify/?next=/account/authenticator/",
        )
    assert list(TOTPDevice.objects.filter(user=staff)) == [old_app]  # nothing was started

    wrong = client.post("/account/verify/", {"otp": "000000", "next": PAGE})
    assert wrong.status_code == 200
    assert "That code is not valid (or was used already)." in wrong.text
    time_machine.move_to(SETUP_AT + dt.timedelta(seconds=5), tick=False)  # past the wrong code's delay
    verified = client.post("/account/verify/", {"otp": code_of(old_app), "next": PAGE})
    assert (verified.status_code, verified["Location"]) == (302, PAGE)
    assert client.get(PAGE).status_code == 200


def test_verify_sends_nobody_to_another_site(client, staff, old_app, two_factor_on):
    client.force_login(staff)
    verified = client.post("/account/verify/", {"otp": code_of(old_app), "next": "https://evil.example/"})
    assert (verified.status_code, verified["Location"]) == (302, "/")


def test_the_account_menu_links_the_page_for_staff_and_api_keys_for_others(client, staff, customer):
    client.force_login(staff)
    assert 'href="/account/authenticator/"' in client.get("/").text
    client.force_login(customer)
    page = client.get("/").text
    assert 'href="/account/authenticator/"' not in page and 'href="/account/api-keys/"' in page
