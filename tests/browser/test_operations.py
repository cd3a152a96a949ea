"""The operator's page in Chromium: staff open it from the menu on a phone, find a notice the mail
server refused, send it again after the confirmation, and it arrives. Screenshots go to
test-artifacts/operations-*.png to look at."""

import datetime as dt
import time

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.choices import Role
from common.models import PeriodicJobState
from notices.models import Notice
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def refused(db):
    """A welcome-type notice to Robin that the mail server refused two hours ago (the address has
    since been mended), and one periodic job that has run."""
    robin = UserFactory(username="robin", first_name="Robin", last_name="Hale", email="robin@acme.example")
    now = timezone.now()
    PeriodicJobState.objects.create(
        job="notices-resend-due",
        outcome="succeeded",
        started_at=now - dt.timedelta(seconds=40),
        finished_at=now - dt.timedelta(seconds=39),
        result=0,
        runs=310,
    )
    return Notice.objects.create(
        event="api_token_issued",
        occurrence="token:1",
        target_type=ContentType.objects.get_for_model(robin),
        target_id=robin.pk,
        recipient=robin,
        to_email=robin.email,
        attempts=1,
        failed_at=now - dt.timedelta(hours=2),
        last_error="Refused by the mail server: SMTPRecipientsRefused: 550 5.1.1 No such mailbox",
    )


def test_staff_resend_a_refused_notice_from_the_operators_page_on_a_phone(
    page: Page, screenshot, refused, mailbox
):
    UserFactory(username="ops", role=Role.STAFF, first_name="Sam", last_name="Okafor")
    page.set_viewport_size(PHONE)
    sign_in(page, "ops", PASSWORD)

    page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="Operations").click()
    expect(page.get_by_role("heading", name="Operations", level=1)).to_be_visible()
    failed = page.locator("#failed-notices")
    expect(failed).to_contain_text("Robin Hale")
    expect(failed).to_contain_text("550 5.1.1 No such mailbox")
    expect(page.locator("#job-notices-resend-due")).to_contain_text("(under a minute ago), took 1 second")
    expect(page.locator("#job-notices-resend-due")).to_contain_text("succeeded")
    expect(page.locator("#job-staged-documents-sweep")).to_contain_text("never run")
    assert page.evaluate(OVERFLOW) <= 0, "the page scrolls sideways at 390 px"
    screenshot("operations-phone")

    failed.get_by_role("button", name="Send again…").click()
    expect(page.get_by_role("heading", name="Send this notice to Robin Hale again?")).to_be_visible()
    assert not mailbox
    page.get_by_role("button", name="Send again", exact=True).click()

    expect(page.locator(".messages")).to_contain_text("The notice to Robin Hale is back in the outbox")
    expect(page.locator("#failed-notices")).to_contain_text("No notice has failed.")
    deadline = time.monotonic() + 10
    while not mailbox and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [m["To"] for m in mailbox] == ["robin@acme.example"]
    screenshot("operations-resent-phone")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    screenshot("operations-desktop")
