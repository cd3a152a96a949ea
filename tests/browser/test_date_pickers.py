"""Through Chromium: date fields show YYYY-MM-DD in a US-English browser, their calendar works by
mouse and keyboard and never chooses a refused day, and without JavaScript the field still takes a
typed date that the server checks."""

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from relicensing.business_days import earliest_inspection_date
from tests.browser.conftest import ARTIFACTS, saturday_then_a_working_monday, sign_in

pytestmark = pytest.mark.browser


def new_page(browser: Browser, live_server, **options) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, **options
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def screenshot(page: Page, name: str) -> None:
    """Like the `screenshot` fixture, for the pages these tests open themselves."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def us_page(browser: Browser, live_server) -> Iterator[Page]:
    """A browser set to US English, whose own date inputs would show mm/dd/yyyy."""
    yield from new_page(browser, live_server, locale="en-US", timezone_id="America/New_York")


@pytest.fixture
def page_without_js(browser: Browser, live_server) -> Iterator[Page]:
    yield from new_page(browser, live_server, java_script_enabled=False)


def to_the_date_step(page: Page) -> None:
    page.goto("/requests/new/")
    page.get_by_label("JN11AC220001").check()
    page.get_by_role("button", name="Continue").click()
    for label, value in [
        ("Site name", "Acme Leeds DC"),
        ("Street address", "1 Network Way, Leeds"),
        ("Contact name", "Casey Morgan"),
        ("Contact email", "casey@acme.example"),
        ("Contact phone", "+44 113 496 0000"),
    ]:
        page.get_by_label(label).fill(value)
    page.get_by_label("Country").select_option("GB")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Inspection date")).to_be_visible()


def test_date_acquired_is_chosen_from_the_calendar_as_yyyy_mm_dd(us_page: Page, demo):
    page = us_page
    sign_in(page, "customer")
    page.goto("/equipment/register/")
    page.get_by_label("Vendor").select_option("juniper")
    page.get_by_label("Serial number").fill("JN11AC227778")
    page.get_by_label("Product model").fill("ACX2200")
    page.get_by_label("How you got it").select_option("secondary_market")
    page.get_by_role("button", name="Choose the date acquired from a calendar").click()
    calendar = page.get_by_role("dialog", name="Calendar: Date acquired")
    today = dt.date.today()
    expect(calendar).to_contain_text(f"{today:%B %Y}")  # no earliest day: it opens at today
    screenshot(page, "calendar-date-acquired")
    calendar.get_by_role("button", name="Previous month").click()
    bought = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=15)
    expect(calendar).to_contain_text(f"{bought:%B %Y}")
    calendar.get_by_role("button", name=f"{bought.day} {bought:%B}", exact=True).click()
    field = page.get_by_label("Date acquired", exact=False).and_(page.get_by_role("textbox"))
    expect(field).to_have_value(bought.isoformat())
    page.get_by_role("button", name="Register", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("JN11AC227778")

    from relicensing.models import Registration

    assert Registration.objects.get(equipment__serial_number="JN11AC227778").acquired_on == bought


def test_the_inspection_date_is_chosen_by_keyboard_and_weekends_are_skipped(us_page: Page, demo):
    page = us_page
    sign_in(page, "customer")
    to_the_date_step(page)
    earliest = earliest_inspection_date(today=dt.date.today(), lead_business_days=10, country="GB")
    field = page.get_by_role("textbox", name="Preferred inspection date")
    # The calendar button is added by a module script: wait for it, or Tab reaches the next link.
    expect(
        page.get_by_role("button", name="Choose the preferred inspection date from a calendar")
    ).to_be_visible()
    field.focus()
    page.keyboard.press("Tab")  # to the calendar button
    page.keyboard.press("Enter")
    calendar = page.get_by_role("dialog", name="Calendar: Preferred inspection date")
    expect(calendar).to_be_visible()

    def day(d: dt.date):
        return calendar.get_by_role("button", name=f"{d.day} {d:%B}", exact=True)

    expect(day(earliest)).to_be_focused()  # it opens on the earliest allowed day
    saturday = saturday_then_a_working_monday(earliest)
    for n in range(1, (saturday - earliest).days + 1):
        page.keyboard.press("ArrowRight")
        expect(day(earliest + dt.timedelta(days=n))).to_be_focused()
    page.keyboard.press("Enter")  # a Saturday: refused, nothing is chosen
    expect(calendar).to_be_visible()
    expect(field).to_have_value("")
    monday = saturday + dt.timedelta(days=2)
    for d in (saturday + dt.timedelta(days=1), monday):
        page.keyboard.press("ArrowRight")
        expect(day(d)).to_be_focused()
    page.keyboard.press("Enter")
    expect(calendar).to_be_hidden()
    expect(field).to_have_value(monday.isoformat())
    expect(field).to_be_focused()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Documents")).to_be_visible()

    page.get_by_role("link", name="← Back").click()  # the calendar opens at the chosen day
    expect(field).to_have_value(monday.isoformat())
    page.get_by_role("button", name="Choose the preferred inspection date from a calendar").click()
    expect(day(monday)).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Escape")
    expect(calendar).to_be_hidden()


def test_without_javascript_a_typed_date_is_checked_by_the_server(page_without_js: Page, demo):
    page = page_without_js
    sign_in(page, "customer")
    to_the_date_step(page)
    expect(page.get_by_role("button", name="Calendar")).to_have_count(0)
    field = page.get_by_role("textbox", name="Preferred inspection date")
    field.fill("12/04/2026")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a date as YYYY-MM-DD.")
    earliest = earliest_inspection_date(today=dt.date.today(), lead_business_days=10, country="GB")
    page.get_by_role("textbox", name="Preferred inspection date").fill(earliest.isoformat())
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Documents")).to_be_visible()
