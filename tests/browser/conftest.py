"""Playwright driving the system Chromium against pytest-django's live server."""

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

# Playwright's sync API runs an event loop in this thread; the ORM calls in tests are still sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Browser tests need Chromium at {CHROMIUM}: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, live_server) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(page: Page):
    """`screenshot(name)` saves the page to test-artifacts/, to look at after a run."""

    def take(name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def demo(transactional_db, settings) -> None:
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("loaddemo")
    settings.DEBUG = False


def sign_in(page: Page, username: str, password: str = "demo-pass-2026") -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def saturday_then_a_working_monday(earliest: dt.date, *, country: str = "GB") -> dt.date:
    """The first Saturday on or after `earliest` that is no public holiday and whose Monday is a
    working day: a test that is refused a weekend day and then picks the Monday must not land on
    Boxing Day or its substitute (from 7 Dec 2026, the first Saturday was 26 Dec, its Monday a
    bank holiday)."""
    import holidays

    days_off = holidays.country_holidays(country, years=range(earliest.year, earliest.year + 2))
    saturday = earliest + dt.timedelta(days=(5 - earliest.weekday()) % 7)
    while saturday in days_off or saturday + dt.timedelta(days=2) in days_off:
        saturday += dt.timedelta(days=7)
    return saturday


def acme_request():
    """A request of the demo's Acme for its unit JN11AC220001, opened by its customer (on the
    `demo` data)."""
    from accounts.models import User
    from relicensing.business_days import earliest_inspection_date
    from relicensing.models import Registration
    from relicensing.services.requests import request_create

    customer = User.objects.get(username="customer")
    unit = Registration.objects.get(
        equipment__serial_number="JN11AC220001", organization=customer.organization
    )
    return request_create(
        customer=customer.organization,
        user=customer,
        site={
            "name": "Acme Leeds DC",
            "address": "1 Network Way\nLeeds LS1 1AA",
            "country": "GB",
            "contact_name": "Casey Morgan",
            "contact_email": "casey@example.com",
            "contact_phone": "+44 113 496 0000",
        },
        equipment=[unit.pk],
        preferred_inspection_date=earliest_inspection_date(
            today=dt.date.today(),
            lead_business_days=unit.equipment.vendor.inspection_lead_business_days,
            country="GB",
        ),
    )


def acme_quote_issued():
    """Acme's request (acme_request) quoted by NetReseller, which serves Acme: the quote."""
    from accounts.models import User
    from contracts.services.quotes import quote_issue

    return quote_issue(request=acme_request(), user=User.objects.get(username="partner"))
