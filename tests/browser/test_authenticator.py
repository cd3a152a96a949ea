"""Through Chromium, under production's Content-Security-Policy: the demo staff member opens the
authenticator page from the account menu, sets up a new authenticator (the QR code is an image the
policy allows), types a code the new secret gives, and the new authenticator replaces the old one.
Screenshots go to test-artifacts/csp/."""

from base64 import b32decode

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.browser.test_content_security_policy import (  # noqa: F401  (fixtures)
    loaded,
    production_server,
    snap,
    visit,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_set_up_a_new_authenticator_from_the_account_menu(visit):  # noqa: F811
    from django_otp.plugins.otp_totp.models import TOTPDevice

    page, console = visit
    old = TOTPDevice.objects.get(user__username="staff")  # loaddemo gives the demo staff one
    sign_in(page, "staff")
    page.get_by_role("link", name="Authenticator").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Authenticator app")
    page.get_by_role("button", name="Set up a new authenticator").click()

    qr = page.get_by_role("img", name="QR code of the new authenticator's secret")
    expect(qr).to_be_visible()
    assert page.evaluate("document.querySelector('img.qr').naturalWidth") > 0  # drawn, not blocked
    secret = page.locator("#authenticator-secret").inner_text().replace(" ", "")
    snap(page, "staff-authenticator-setup")

    code = f"{totp(b32decode(secret)):06d}"  # what the person's app shows now
    page.get_by_label("Code from the new app").fill(code)
    page.get_by_role("button", name="Confirm and replace").click()
    expect(page.get_by_text("Your new authenticator is in force")).to_be_visible()
    expect(page.get_by_text("An authenticator app is set up")).to_be_visible()

    new = TOTPDevice.objects.get(user__username="staff")
    assert new.pk != old.pk and new.bin_key == b32decode(secret) and new.confirmed
    loaded(page, "/account/authenticator/")
    assert console.violations == [], console.messages
