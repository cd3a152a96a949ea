"""A partner's administrator registers a webhook through Chromium: the address is a real receiver on
127.0.0.1, the secret is shown once, a quote issued for a customer the partner serves is posted to
it signed with that secret, the endpoint's page logs the delivery, and "Re-send" posts it again.

The test settings run Celery tasks eagerly: the commit hook of the event, and of the re-send, posts
the delivery through `webhooks.services.webhook_delivery_send` in the process, as in
tests/webhooks/test_delivery.py, with no worker."""

import json
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import acme_quote_issued, sign_in
from tests.webhooks.receiving import Received, Receiver, receiving
from webhooks.signing import HEADER, signature_verify

pytestmark = pytest.mark.browser


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as box:
        yield box


def signed_with(secret: str, post: Received) -> bool:
    return signature_verify(header=post.headers[HEADER], secret=secret, body=post.body, now=int(time.time()))


def test_a_partner_registers_a_webhook_sees_its_delivery_and_sends_it_again(
    page: Page, demo, receiver: Receiver, screenshot
):
    sign_in(page, "partner")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Webhooks").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhooks")
    expect(page.get_by_label("Organisation")).to_have_count(0)  # a partner's endpoints are its own
    expect(page.get_by_role("region", name="Endpoints")).to_contain_text("No endpoints yet")

    page.get_by_label("Address").fill(receiver.url)
    page.get_by_label("Quote issued").check()
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Endpoint registered.")
    expect(page.get_by_text("it is not shown again")).to_be_visible()
    secret = page.locator("#webhook-secret").inner_text().strip()
    assert secret.startswith("whsec_")
    screenshot("webhooks-secret")
    page.get_by_role("link", name="I have copied it: go to the endpoint").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(receiver.url)
    expect(page.get_by_role("region", name="Deliveries")).to_contain_text("Nothing sent yet")
    expect(page.locator("body")).not_to_contain_text(secret)  # once only

    receiver.script = [500]  # the receiver is having a bad moment
    number = acme_quote_issued().number
    assert len(receiver.received) == 1
    first = receiver.received[0]
    assert first.path == "/hooks/relicensing"
    assert signed_with(secret, first)
    event = json.loads(first.body)
    assert (event["type"], event["data"]["number"]) == ("quote.issued", number)

    page.reload()
    row = page.get_by_role("region", name="Deliveries").get_by_role("row").filter(has_text="quote.issued")
    expect(row).to_have_count(1)
    cells = row.get_by_role("cell")
    expect(cells.nth(0)).to_have_text(f"{event['id'][:8]}…")
    expect(cells.nth(2)).to_contain_text("Pending")
    expect(cells.nth(2)).to_contain_text("Answered 500")  # why it waits
    expect(cells.nth(3)).to_have_text("1")
    expect(cells.nth(4)).to_have_text("500")
    screenshot("webhooks-endpoint-failing")

    row.get_by_role("button", name="Re-send").click()
    expect(page.locator(".messages")).to_contain_text(f"Event {event['id']} is being sent again.")
    assert len(receiver.received) == 2
    second = receiver.received[1]
    assert second.body == first.body  # the same event, the same bytes
    assert second.headers["Relicensing-Event-Id"] == event["id"]
    assert signed_with(secret, second)
    row = page.get_by_role("region", name="Deliveries").get_by_role("row").filter(has_text="quote.issued")
    cells = row.get_by_role("cell")
    expect(cells.nth(2)).to_have_text("Delivered")
    expect(cells.nth(3)).to_have_text("2")
    expect(cells.nth(4)).to_have_text("200")
    screenshot("webhooks-endpoint")


def test_staff_register_a_webhook_for_the_organisation_they_choose(
    page: Page, demo, receiver: Receiver, screenshot
):
    sign_in(page, "staff")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Webhooks").click()
    page.get_by_label("Address").fill(receiver.url)
    page.get_by_label("Contract issued").check()
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_label("Organisation")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field-error")).to_contain_text("This field is required.")
    page.get_by_label("Organisation").select_option(label="Borealis Data")
    screenshot("webhooks-staff-register")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Endpoint registered.")
    page.get_by_role("link", name="I have copied it: go to the endpoint").click()
    expect(page.locator(".lead")).to_contain_text("Borealis Data")
    page.get_by_role("link", name="All endpoints").click()
    expect(page.get_by_role("row").filter(has_text=receiver.url)).to_contain_text("Borealis Data")
    screenshot("webhooks-staff-list")
