"""Through Chromium: the customer asks a question on its request, the partner answers, staff add an
internal note, and the customer, back on the page, reads the answer but never the note."""

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import ARTIFACTS, acme_request, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOLDER = ARTIFACTS / "conversation"
QUESTION = "Which rack should the inspector go to? The unit is on the second floor."
ANSWER = "Rack B4, second floor. Ask for Casey at reception."
NOTE = "Customer's invoice names a different reseller; check it before approval."


def as_person(browser: Browser, live_server, username: str, path: str) -> Page:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, username)
    page.goto(path)
    return page


def snap(page: Page, name: str) -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(FOLDER / f"{name}.png"), full_page=True)


def test_customer_asks_partner_answers_staff_note_stays_internal(browser, live_server, demo):
    from notices.models import Notice
    from relicensing.models import RequestMessage

    request = acme_request()
    path = f"/requests/{request.pk}/"

    customer = as_person(browser, live_server, "customer", path)
    conversation = customer.locator("#conversation")
    expect(conversation).to_contain_text("No message yet.")
    expect(conversation.get_by_label("Internal note", exact=False)).to_have_count(0)
    conversation.get_by_label("Message").fill(QUESTION)
    conversation.get_by_role("button", name="Post message").click()
    expect(customer.locator(".messages")).to_contain_text("Your message is posted")
    expect(customer.locator("#conversation")).to_contain_text(QUESTION)
    expect(customer.locator("#timeline")).to_contain_text(QUESTION[:40])
    snap(customer, "customer-asked")

    partner = as_person(browser, live_server, "partner", path)
    expect(partner.locator("#conversation")).to_contain_text(QUESTION)
    partner.locator("#conversation").get_by_label("Message").fill(ANSWER)
    partner.locator("#conversation").get_by_role("button", name="Post message").click()
    expect(partner.locator("#conversation")).to_contain_text(ANSWER)
    snap(partner, "partner-answered")

    staff = as_person(browser, live_server, "staff", path)
    staff_conversation = staff.locator("#conversation")
    expect(staff_conversation).to_contain_text(ANSWER)
    staff_conversation.get_by_label("Message").fill(NOTE)
    staff_conversation.get_by_label("Internal note", exact=False).check()
    staff_conversation.get_by_role("button", name="Post message").click()
    expect(staff.locator("#conversation")).to_contain_text(NOTE)
    expect(staff.locator("#conversation")).to_contain_text("Internal note — staff only")
    snap(staff, "staff-noted")

    customer.reload()
    expect(customer.locator("#conversation")).to_contain_text(ANSWER)
    expect(customer.locator("main")).not_to_contain_text(NOTE)
    expect(customer.locator("main")).not_to_contain_text("Internal note")
    snap(customer, "customer-reads-the-answer")

    note = RequestMessage.objects.get(body=NOTE)
    assert note.internal is True
    # The customer and the partner were never told of the note.
    assert set(
        Notice.objects.filter(occurrence=f"message:{note.pk}").values_list("recipient__role", flat=True)
    ) <= {"staff"}
    for page in (customer, partner, staff):
        page.context.close()


INSPECTOR_ANSWER = "I will come at 9:00 and start with rack B4."


def test_the_assigned_inspector_follows_the_notice_and_answers_on_the_visit_page(browser, live_server, demo):
    from accounts.models import User
    from inspections.models import Inspection
    from notices.models import Notice
    from relicensing.services.messages import request_message_post

    request = acme_request()
    inspector = User.objects.get(username="inspector")
    visit = Inspection.objects.create(request=request, inspector=inspector)
    request_message_post(request=request, user=User.objects.get(username="staff"), body=NOTE, internal=True)

    customer = as_person(browser, live_server, "customer", f"/requests/{request.pk}/")
    customer.locator("#conversation").get_by_label("Message").fill(QUESTION)
    customer.locator("#conversation").get_by_role("button", name="Post message").click()
    expect(customer.locator(".messages")).to_contain_text("Your message is posted")

    # The inspector opens the link of the notice they were sent and lands on the visit's conversation.
    link = Notice.objects.get(recipient=inspector, occurrence__startswith="message:").link
    inspector_page = as_person(browser, live_server, "inspector", link)
    expect(inspector_page).to_have_url(f"{live_server.url}/inspections/{visit.pk}/#conversation")
    conversation = inspector_page.locator("#conversation")
    expect(conversation).to_contain_text(QUESTION)
    expect(inspector_page.locator("main")).not_to_contain_text(NOTE)
    expect(conversation.get_by_label("Internal note", exact=False)).to_have_count(0)
    conversation.get_by_label("Message").fill(INSPECTOR_ANSWER)
    conversation.get_by_role("button", name="Post message").click()
    expect(inspector_page.locator(".messages")).to_contain_text("Your message is posted")
    expect(inspector_page.locator("#conversation")).to_contain_text(INSPECTOR_ANSWER)
    snap(inspector_page, "inspector-answered")

    customer.reload()
    expect(customer.locator("#conversation")).to_contain_text(INSPECTOR_ANSWER)
    snap(customer, "customer-reads-the-inspector")
    for page in (customer, inspector_page):
        page.context.close()
