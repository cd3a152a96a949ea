"""Every page a person reaches from their navigation, and the pages their work leads to, usable at
390 px wide (a phone): nothing scrolls sideways, and the folded menu still says who is signed in.
Screenshots of each page go to test-artifacts/phones/ to look at."""

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import ARTIFACTS, acme_quote_issued, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DEMO_USERS = ["customer", "customer2", "partner", "partner2", "inspector", "staff"]

# Pages beyond the navigation, per role, that a day's work leads to (ids filled in below).
WORK = {
    "customer": ["/requests/{request}/", "/quotes/{quote}/", "/equipment/{unit}/", "/requests/new/",
                 "/equipment/register/", "/equipment/import/", "/serial-check/?vendor=juniper&serial_number=bad-one",
                 "/serial-check/bulk/", "/requests/new/equipment/"],
    "partner": ["/requests/{request}/", "/requests/{request}/quote/", "/quotes/{quote}/", "/equipment/{unit}/"],
    "staff": ["/requests/{request}/", "/staff/holds/", "/staff/disputes/", "/equipment/{unit}/"],
}  # fmt: skip

OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('body *')]
    .filter((e) => e.getBoundingClientRect().right > width + 1 && e.getClientRects().length)
    .slice(0, 5).map((e) => e.tagName.toLowerCase() + '.' + e.className);
  return {scroll: document.documentElement.scrollWidth, width, wide};
}"""


@pytest.fixture
def work(demo):
    """A request of Acme's with an issued quote, for the pages beyond the navigation."""
    quote = acme_quote_issued()
    unit = quote.request.items.get().registration_id
    return {"request": quote.request_id, "quote": quote.pk, "unit": unit}


def phone_page(browser: Browser, live_server) -> Page:
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


@pytest.mark.parametrize("username", DEMO_USERS)
def test_every_page_fits_a_phone(browser, live_server, work, username):
    page = phone_page(browser, live_server)
    sign_in(page, username)
    toggle = page.locator(".menu-toggle")
    assert toggle.is_visible() and page.locator(".mainnav").is_hidden()  # folded, but...
    from accounts.models import User

    assert User.objects.get(username=username).display_name in toggle.inner_text()  # ...says who
    toggle.click()
    assert page.locator(".mainnav").is_visible()
    links = page.eval_on_selector_all(".mainnav a", "links => links.map((a) => a.getAttribute('href'))")
    pages = [href for href in links if not href.startswith(("/api/", "/admin/"))]
    pages += [path.format(**work) for path in WORK.get(username, [])]
    folder = ARTIFACTS / "phones"
    folder.mkdir(parents=True, exist_ok=True)
    wide = {}
    for path in pages:
        response = page.goto(path)
        assert response is not None and response.status < 400, path
        measured = page.evaluate(OVERFLOW)
        if measured["scroll"] > measured["width"]:
            wide[path] = measured["wide"]
        name = path.strip("/").replace("/", "_").replace("?", "_").replace("&", "_") or "home"
        page.screenshot(path=str(folder / f"{username}-{name}.png"), full_page=True)
    assert wide == {}, f"pages that scroll sideways at 390 px: {wide}"
    page.context.close()
