"""An organisation's administrator invites a colleague through Chromium: the invitation email is
read from the outbox as it is written, its link opened in a fresh browser, the colleague chooses a
password and signs in; the administrator then deactivates them and their open session ends."""

import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from notices.models import Notice
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

PASSWORD = "a-quiet-harbour-2027"


def shot(page: Page, name: str) -> None:
    """The page as a person sees it, to look at after a run: <tmp>/people_<name>.png."""
    page.screenshot(path=str(Path(tempfile.gettempdir()) / f"people_{name}.png"), full_page=True)


def invitation_path(email: str) -> str:
    notice = Notice.objects.get(event="organization_invitation", to_email=email)
    return re.search(r"https?://[^/\s]+(/account/invitation/[^\s]+/)", notice.render("body.txt")).group(1)


def test_an_administrator_invites_a_colleague_who_signs_in(page: Page, browser: Browser, live_server, demo):
    sign_in(page, "customer")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People of Acme Networks")
    page.get_by_label("Email of the person to invite").fill("jordan@acme.example")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".messages")).to_contain_text("Invitation sent to jordan@acme.example")
    expect(page.get_by_role("region", name="Invitations waiting for an answer")).to_contain_text(
        "jordan@acme.example"
    )
    shot(page, "1_invited")

    colleague_context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    colleague = colleague_context.new_page()
    colleague.set_default_timeout(15_000)
    colleague.goto(invitation_path("jordan@acme.example"))
    expect(colleague.get_by_role("heading", level=1)).to_have_text("Join Acme Networks")
    colleague.get_by_label("User name").fill("jordan")
    colleague.get_by_label("First name").fill("Jordan")
    colleague.get_by_label("Last name").fill("Lee")
    colleague.get_by_label("Password", exact=True).fill(PASSWORD)
    colleague.get_by_label("The same password again").fill(PASSWORD)
    shot(colleague, "2_accept")
    colleague.get_by_role("button", name="Create my account").click()
    expect(colleague.locator(".messages")).to_contain_text("Welcome to Acme Networks. Sign in as jordan")
    sign_in(colleague, "jordan", PASSWORD)
    expect(colleague.locator(".whoami")).to_contain_text("Jordan Lee")
    expect(colleague.get_by_role("heading", level=1)).to_have_text("Acme Networks")
    shot(colleague, "3_signed_in")

    # The link worked once.
    colleague_again = colleague_context.new_page()
    colleague_again.goto(invitation_path("jordan@acme.example"))
    expect(colleague_again.get_by_role("heading", level=1)).to_have_text("This invitation has been used")
    colleague_again.close()

    page.reload()
    row = page.get_by_role("row").filter(has_text="jordan@acme.example")
    row.get_by_role("button", name="Deactivate…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deactivate Jordan Lee?")
    shot(page, "4_confirm")
    page.get_by_role("button", name="Yes, deactivate jordan").click()
    expect(page.locator(".messages")).to_contain_text("Jordan Lee is deactivated and signed out everywhere.")
    expect(page.get_by_role("row").filter(has_text="jordan@acme.example")).to_contain_text("deactivated")
    shot(page, "5_deactivated")

    colleague.reload()
    expect(colleague.get_by_role("heading", name="Sign in")).to_be_visible()
    colleague_context.close()


def test_staff_create_an_organisation_link_its_partner_and_invite_its_first_person(page: Page, demo):
    sign_in(page, "staff")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Organisations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Organisations")
    page.get_by_label("Name").fill("Cobalt Systems")
    page.get_by_label("Kind").select_option("customer")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People of Cobalt Systems")
    page.get_by_label("Partner that serves it").select_option(label="NetReseller")
    page.get_by_role("button", name="Add").click()
    expect(page.locator(".messages")).to_contain_text("NetReseller now serves Cobalt Systems.")
    page.get_by_label("Email of the person to invite").fill("ada@cobalt.example")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".messages")).to_contain_text("Invitation sent to ada@cobalt.example")
    shot(page, "6_staff_organisation")
    page.get_by_role("link", name="All organisations").click()
    expect(page.get_by_role("row").filter(has_text="Cobalt Systems")).to_contain_text("none")
    shot(page, "7_staff_list")
