"""Each demo role signs in through Chromium and lands on its own dashboard."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

DASHBOARDS = {
    "customer": ("Acme Networks", "Your partner", "NetReseller"),
    "customer2": ("Borealis Data", "Your partner", "Polar Partners"),
    "partner": ("NetReseller", "Customers you serve", "Acme Networks"),
    "partner2": ("Polar Partners", "Customers you serve", "Borealis Data"),
    "inspector": ("Inspector · Ines Duarte", "Vendor programmes", "Juniper Networks"),
    "staff": ("Programme operations", "Price-book gaps", "Every chassis product has its three fee SKUs."),
}


@pytest.mark.parametrize("username", list(DASHBOARDS))
def test_each_role_signs_in_and_sees_its_dashboard(page: Page, demo, screenshot, username):
    heading, section, detail = DASHBOARDS[username]
    sign_in(page, username)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_role("heading", name=section)).to_be_visible()
    expect(page.locator("main")).to_contain_text(detail)
    screenshot(f"dashboard-{username}")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_wrong_password_stays_on_the_sign_in_page(page: Page, demo):
    sign_in(page, "customer", "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")


def test_partner_does_not_see_another_partners_customer(page: Page, demo):
    sign_in(page, "partner")
    expect(page.locator("main")).to_contain_text("Acme Networks")
    expect(page.locator("main")).not_to_contain_text("Borealis Data")
