"""Through Chromium: the customer walks the request wizard and submits; the partner builds,
issues and accepts the quote and downloads its PDF. Then staff's view of the programme."""

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from relicensing.business_days import earliest_inspection_date
from tests.browser.conftest import saturday_then_a_working_monday, sign_in
from tests.relicensing.requesting import PDF

pytestmark = pytest.mark.browser


def choose_from_calendar(
    page: Page, name: str, day: dt.date, *, weekdays_only: bool = False, screenshot=None
) -> None:
    """Open the field's calendar, check it opens at `day`'s month and refuses what the server
    refuses (the day before `day`, weekends), then click `day`."""
    page.get_by_role("button", name=f"Choose the {name} from a calendar").click()
    calendar = page.get_by_role("dialog", name=f"Calendar: {name.capitalize()}")
    expect(calendar).to_be_visible()
    expect(calendar).to_contain_text(f"{day:%B %Y}")

    def button(d: dt.date):
        return calendar.get_by_role("button", name=f"{d.day} {d:%B}", exact=True)

    before = day - dt.timedelta(days=1)
    if before.month == day.month:
        expect(button(before)).to_be_disabled()
    saturday = day + dt.timedelta(days=(5 - day.weekday()) % 7)
    if weekdays_only and saturday.month == day.month:
        expect(button(saturday)).to_have_attribute("aria-disabled", "true")
    if screenshot:
        screenshot(f"calendar-{name.replace(' ', '-')}")
    button(day).click()
    expect(calendar).to_be_hidden()


def walk_the_wizard(page: Page, screenshot) -> str:
    """As the demo customer: one ACX2200 at Acme's site; returns the new request's number."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Requests").click()
    expect(page.locator("main")).to_contain_text("No request yet.")
    screenshot("requests-empty")
    page.get_by_role("link", name="New request").first.click()
    expect(page.get_by_role("heading", name="Equipment")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Past end of support")  # the old Cisco, disabled
    page.get_by_label("JN11AC220001").check()
    screenshot("wizard-equipment")
    page.get_by_role("button", name="Continue").click()

    page.get_by_label("Site name").fill("Acme Leeds DC")
    page.get_by_label("Street address").fill("1 Network Way\nLeeds LS1 1AA")
    page.get_by_label("Country").select_option("GB")
    page.get_by_label("Contact name").fill("Casey Morgan")
    page.get_by_label("Contact email").fill("casey@acme.example")
    page.get_by_label("Contact phone").fill("+44 113 496 0000")
    screenshot("wizard-site")
    page.get_by_role("button", name="Continue").click()

    earliest = earliest_inspection_date(today=dt.date.today(), lead_business_days=10, country="GB")
    field = page.get_by_label("Preferred inspection date", exact=True)
    expect(field).to_have_attribute("placeholder", "YYYY-MM-DD")
    choose_from_calendar(
        page, "preferred inspection date", earliest, weekdays_only=True, screenshot=screenshot
    )
    expect(field).to_have_value(earliest.isoformat())  # YYYY-MM-DD, not the browser's mm/dd/yyyy
    screenshot("wizard-date")
    page.get_by_role("button", name="Continue").click()

    page.get_by_label("Proof of purchase").set_input_files(
        files=[{"name": "invoice.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    screenshot("wizard-documents")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Review and submit")).to_be_visible()
    expect(page.locator(".review")).to_contain_text("JN11AC220001")
    expect(page.locator(".review")).to_contain_text("invoice.pdf")
    estimate = page.get_by_role("region", name="Fee estimate")
    for fee in (
        "SVC-INSPECT-2",
        "USD 1,000.00",
        "SVC-CP-ACX2200",
        "USD 437.00",
        "SVC-JUNOS-REG-4",
        "USD 2,000.00",
    ):
        expect(estimate).to_contain_text(fee)
    expect(estimate.locator("tfoot")).to_contain_text("USD 3,437.00")
    expect(estimate).to_contain_text("The quote from your partner is what counts.")
    screenshot("wizard-review")
    page.get_by_role("button", name="Submit the request").click()

    expect(page.locator(".messages")).to_contain_text("is submitted")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Submitted")
    expect(page.locator("#timeline")).to_contain_text("Submitted")
    expect(page.locator("#documents")).to_contain_text("invoice.pdf")
    screenshot("request-submitted")
    return page.get_by_role("heading", level=1).locator("code").inner_text()


def test_customer_submits_and_partner_quotes_and_accepts(page: Page, demo, screenshot):
    sign_in(page, "customer")
    number = walk_the_wizard(page, screenshot)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "partner")
    expect(page.locator("main")).to_contain_text("Requests waiting for a quote")
    screenshot("dashboard-partner-with-request")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Requests").click()
    screenshot("requests-partner")
    page.get_by_role("link", name=number).click()
    page.get_by_role("link", name="Build the quote").click()
    expect(page.locator(".preview")).to_contain_text("USD 3,437.00")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".preview tfoot")).to_contain_text("USD 3,437.00")
    screenshot("quote-builder")
    page.get_by_role("button", name="Issue quote").click()
    expect(page.locator(".messages")).to_contain_text("is issued: USD 3,437.00")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Quoted")
    screenshot("request-quoted")

    page.get_by_role("button", name="Accept quote").click()
    expect(page.locator("main")).to_contain_text("Every fee in the programme is non-refundable")
    screenshot("quote-accept-confirm")
    page.get_by_role("button", name="Accept the quote and its non-refundable fees").click()
    expect(page.locator(".messages")).to_contain_text("is accepted")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Quote accepted")
    expect(page.locator("#timeline")).to_contain_text("Quote accepted")
    screenshot("request-accepted")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")

    page.get_by_role("link", name="Open the quote").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Accepted")
    screenshot("quote-page")


def test_partner_wizard_starts_with_the_customer_and_staff_reject(page: Page, demo, screenshot):
    sign_in(page, "partner")
    page.goto("/requests/new/")
    expect(page.get_by_role("heading", name="Customer", exact=True)).to_be_visible()
    page.get_by_role("combobox", name="Customer").select_option(label="Acme Networks")
    screenshot("wizard-customer")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("JN11AC220002").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Continue").click()  # nothing filled in
    expect(page.locator(".field-error").first).to_contain_text("This field is required.")
    screenshot("wizard-site-errors")
    for label, value in [("Site name", "Acme York"), ("Street address", "2 Router Row, York")]:
        page.get_by_label(label).fill(value)
    page.get_by_label("Country").select_option("GB")
    page.get_by_label("Contact name").fill("Sam Lee")
    page.get_by_label("Contact email").fill("sam@acme.example")
    page.get_by_label("Contact phone").fill("+44 1904 000000")
    page.get_by_role("button", name="Continue").click()
    earliest = earliest_inspection_date(today=dt.date.today(), lead_business_days=10, country="GB")
    saturday = saturday_then_a_working_monday(earliest)
    # The date page has loaded and its calendar is in place (the script moves the field into its
    # row) before typing, and the typed date is in the field before Continue.
    expect(
        page.get_by_role("button", name="Choose the preferred inspection date from a calendar")
    ).to_be_visible()
    date_field = page.get_by_label("Preferred inspection date", exact=True)
    date_field.fill(saturday.isoformat())
    expect(date_field).to_have_value(saturday.isoformat())
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "is not a business day; choose a weekday that is not a holiday at the site."
    )
    screenshot("wizard-date-error")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Requests").click()  # leave
    page.goto("/requests/new/")
    expect(page.get_by_role("heading", name="Inspection date")).to_be_visible()  # resumed
    page.get_by_role("button", name="Discard draft").click()
    expect(page.locator(".messages")).to_contain_text("discarded")
    page.get_by_role("button", name="Sign out").click()

    from accounts.models import User
    from tests.relicensing.registering import register
    from tests.relicensing.requesting import open_request

    customer = User.objects.get(username="customer")
    opened = open_request(
        customer,
        register(customer, "JN11AC221111"),
        date=earliest_inspection_date(today=dt.date.today(), lead_business_days=10, country="GB"),
    )
    sign_in(page, "staff")
    expect(page.locator("main")).to_contain_text("Requests by status")
    screenshot("dashboard-staff-requests")
    page.goto(f"/requests/{opened.pk}/")
    screenshot("request-staff")
    page.get_by_label("Reason for rejecting").fill("The proof of purchase names another buyer.")
    page.get_by_role("button", name="Reject this request").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Reject request")
    screenshot("request-reject-confirm")
    page.get_by_role("button", name="Yes, reject the request").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rejected")
    expect(page.locator(".what-next")).to_contain_text("names another buyer")
    screenshot("request-rejected")

    from relicensing.models import Registration

    qfx = open_request(  # the live server's clock is not frozen: a date from today
        customer,
        Registration.objects.get(equipment__serial_number="JN11QF510001"),
        date=earliest_inspection_date(today=dt.date.today(), lead_business_days=10, country="GB"),
    )
    page.goto(f"/requests/{qfx.pk}/quote/")
    page.get_by_label("QFX5K-C1-AFL for JN11QF510001").fill("2")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".preview")).to_contain_text("QFX5K-C1-AFL")
    expect(page.locator(".preview")).to_contain_text("USD 5,900.00")  # 2 x 2,950.00 at list price
    screenshot("quote-builder-addons")
