"""Through Chromium, under production's Content-Security-Policy and Permissions-Policy: each role's
main pages, the admin and the API docs (Swagger UI) load and work, and the browser reports no
violation of either policy in the console. Screenshots go to test-artifacts/csp/.

The live server here is started inside the production policies (its middleware is loaded when it
starts, so pytest-django's shared live server, started with the test settings, would not do)."""

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.browser.conftest import ARTIFACTS, sign_in
from tests.test_security_headers import production_policies

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOLDER = ARTIFACTS / "csp"

PAGES = {
    "customer": [
        "/",
        "/catalog/",
        "/equipment/",
        "/equipment/register/",
        "/equipment/import/",
        "/serial-check/",
        "/serial-check/bulk/",
        "/requests/",
        "/requests/new/",
        "/contracts/",
        "/notices/",
    ],
    "partner": ["/", "/equipment/", "/requests/", "/contracts/", "/insights/"],
    "inspector": ["/", "/inspections/"],
    "staff": [
        "/",
        "/approvals/",
        "/operations/",
        "/insights/",
        "/staff/holds/",
        "/staff/disputes/",
        "/inspections/calendar/",
        "/inspections/checklists/",
        "/admin/",
        "/admin/relicensing/product/add/",
        "/admin/contracts/contract/",
    ],
}


class Console:
    """Every console message of a page; `violations` are the ones either policy caused."""

    def __init__(self, page: Page) -> None:
        self.messages: list[str] = []
        page.on("console", self._heard)
        page.on("pageerror", lambda error: self.messages.append(f"pageerror: {error}"))

    def _heard(self, message: ConsoleMessage) -> None:
        self.messages.append(f"{message.type}: {message.text}")

    @property
    def violations(self) -> list[str]:
        return [m for m in self.messages if "Content Security Policy" in m or "Permissions-Policy" in m]


@pytest.fixture
def production_server(demo) -> Iterator[LiveServer]:
    with production_policies():
        server = LiveServer("127.0.0.1:0")
        yield server
        server.stop()


@pytest.fixture
def visit(browser: Browser, production_server: LiveServer) -> Iterator[tuple[Page, Console]]:
    context = browser.new_context(base_url=production_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page, Console(page)
    context.close()


def snap(page: Page, name: str) -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(FOLDER / f"{name}.png"), full_page=True)


def loaded(page: Page, address: str) -> None:
    response = page.goto(address)
    assert response is not None and response.status == 200, address
    assert "script-src 'self'" in response.headers["content-security-policy"], address
    assert "camera=()" in response.headers["permissions-policy"], address
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("role", list(PAGES))
def test_each_roles_main_pages_break_neither_policy(visit, role):
    page, console = visit
    loaded(page, "/login/")
    snap(page, "login")
    sign_in(page, role)
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    for address in PAGES[role]:
        loaded(page, address)
        snap(page, f"{role}{address.rstrip('/').replace('/', '-') or '-dashboard'}")
    assert console.violations == [], console.messages


def test_the_catalogs_vendor_choice_still_filters_at_once(visit):
    page, console = visit
    sign_in(page, "customer")
    loaded(page, "/catalog/")
    page.get_by_label("Vendor").select_option(label="Juniper Networks")
    expect(page).to_have_url("/catalog/?vendor=juniper", ignore_case=True)
    snap(page, "customer-catalog-juniper")
    assert console.violations == [], console.messages


def test_the_api_docs_render_their_operations(visit):
    page, console = visit
    sign_in(page, "partner")
    loaded(page, "/api/v1/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Relicensing programme API")
    expect(page.locator(".opblock").first).to_be_visible()
    # The page's rules, from api_docs.css and not an inline <style>, are applied.
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(250, 250, 250)"
    snap(page, "api-docs")
    assert console.violations == [], console.messages


def test_an_injected_inline_script_is_refused_and_reported(visit):
    """The listener hears a violation when there is one: a script written into the page is not run."""
    page, console = visit
    loaded(page, "/login/")
    page.evaluate(
        "document.body.appendChild(Object.assign(document.createElement('script'),"
        " {textContent: 'window.injected = true'}))"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.injected === undefined")
    assert len(console.violations) == 1, console.messages
    assert "Executing inline script violates" in console.violations[0]


def test_the_date_pickers_calendar_opens_and_fills_the_field(visit):
    page, console = visit
    sign_in(page, "customer")
    loaded(page, "/equipment/register/")
    page.get_by_role("button", name="Choose the date acquired from a calendar").click()
    calendar = page.get_by_role("dialog", name="Calendar: Date acquired")
    expect(calendar).to_be_visible()
    calendar.get_by_role("button", name="Previous month").click()
    bought = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).replace(day=15)
    expect(calendar).to_contain_text(f"{bought:%B %Y}")
    snap(page, "customer-calendar-open")
    calendar.get_by_role("button", name=f"{bought.day} {bought:%B}", exact=True).click()
    field = page.get_by_label("Date acquired", exact=False).and_(page.get_by_role("textbox"))
    expect(field).to_have_value(bought.isoformat())
    assert console.violations == [], console.messages
