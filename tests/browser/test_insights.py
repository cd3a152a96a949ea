"""The insights page in Chromium: staff open it from the menu and read a chart and its table; a
partner reads it on a 390 px phone, with Borealis' requests nowhere on it and nothing scrolling
sideways. Screenshots go to /tmp/insights_*.png and test-artifacts/ to look at."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.factories import PASSWORD
from tests.insights.world import world_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
PERIOD = "?start=2026-10-01&end=2026-11-30"


@pytest.fixture
def world(acme, borealis, staff, inspector, operator, netreseller, polar):
    return world_build(acme=acme, borealis=borealis, staff=staff, inspector=inspector, operator=operator)


def shot(page: Page, screenshot, name: str) -> None:
    screenshot(f"insights-{name}")
    page.screenshot(path=str(Path("/tmp") / f"insights_{name}.png"), full_page=True)  # noqa: S108  (asked for, to look at)


def test_staff_read_the_programmes_figures_as_charts_and_tables(page: Page, screenshot, staff, world):
    sign_in(page, "staff", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Insights").click()
    expect(page.get_by_role("heading", name="Insights", level=1)).to_be_visible()
    page.goto(f"/insights/{PERIOD}")
    funnel = page.locator("#requests-by-status")
    expect(funnel.get_by_role("img", name="Requests by status")).to_be_visible()
    expect(page.get_by_role("link", name="7 requests opened in the period")).to_be_visible()
    funnel.get_by_text("The numbers as a table").click()
    expect(funnel.get_by_role("row", name="Quote accepted 1 14.3%")).to_be_visible()
    families = page.locator("#pass-rate-by-family")
    families.get_by_text("The numbers as a table").click()
    expect(families.get_by_role("row", name="ISR 4 3 75.0%")).to_be_visible()
    expect(page.locator("#fees-per-month svg")).to_have_count(3)
    expect(page.locator("#waiting-too-long")).to_contain_text("RQ-8")
    shot(page, screenshot, "staff")

    page.get_by_role("combobox", name="Vendor").select_option(label="Cisco Systems")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".lead")).to_contain_text("Cisco Systems only")
    with page.expect_download() as download:
        page.locator("#pass-rate-by-vendor").get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename == "pass-rate-by-vendor-cisco-2026-10-01-to-2026-11-30.csv"
    shot(page, screenshot, "staff-cisco")


def test_a_partner_reads_its_customers_figures_on_a_phone(page: Page, screenshot, partner, world):
    page.set_viewport_size(PHONE)
    sign_in(page, "partner", PASSWORD)
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="Insights").click()
    expect(page.get_by_role("heading", name="Insights", level=1)).to_be_visible()
    page.goto(f"/insights/{PERIOD}")
    expect(page.locator(".lead")).to_contain_text("for the customers you serve")
    expect(page.get_by_role("link", name="4 requests opened in the period")).to_be_visible()
    expect(page.locator("#waiting-too-long")).to_contain_text("RQ-7")
    for borealis in ("RQ-5", "RQ-8", "Cisco Systems: Inspected"):
        expect(page.locator("main")).not_to_contain_text(borealis)
    assert page.evaluate(OVERFLOW) <= 0, "the page scrolls sideways at 390 px"
    chart = page.locator("#requests-by-status svg").bounding_box()
    assert chart is not None and chart["width"] <= 390
    shot(page, screenshot, "partner-phone")
