"""Through Chromium: staff approve a request from the approval queue (after a confirmation) and it is
reinstated; the customer finds the contract by a serial and downloads its welcome kit; the order,
approval and contract pages at 1280 px and 390 px, none scrolling sideways on the phone.

The live server's clock is real: the visit is booked from today with no lead time and its date set
to today before the results are recorded (the date is not a status). The live server commits for
real, so the reinstatement (Celery, eager in tests) runs after the approval commits, inside the
approving request. Screenshots go to test-artifacts/contracts/."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS, sign_in
from tests.browser.test_inspections import DESKTOP, PHONE, booked_visit, fits_a_phone, new_page, opened_visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOLDER = ARTIFACTS / "contracts"


def snap(page: Page, name: str) -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(FOLDER / f"{name}.png"), full_page=True)


def inspected_today(*serials: str, passes: tuple[bool, ...] | None = None):
    """Acme's request for these demo serials, quoted, accepted, visited today and its results
    recorded by the inspector: inspected, with its final quote."""
    from accounts.models import User
    from inspections.services.results import inspection_results_record
    from tests.inspections.visits import answers

    visit = booked_visit(opened_visit("customer", "partner", *serials, lead=0), today=True)
    passes = passes or (True,) * len(serials)
    inspection_results_record(
        inspection=visit,
        user=User.objects.get(username="inspector"),
        results=[
            {"serial_number": s, "passed": p, "checklist": answers(p)}
            for s, p in zip(serials, passes, strict=True)
        ],
    )
    request = visit.request
    request.refresh_from_db()
    return request


def ordered(request):
    from accounts.models import User
    from contracts.services.orders import final_quote, purchase_order_receive

    purchase_order_receive(
        request=request,
        user=User.objects.get(username="customer"),
        po_number="PO-7781",
        amount=final_quote(request).total,
    )
    request.refresh_from_db()
    return request


def reinstated(request):
    from accounts.models import User
    from contracts.models import Contract
    from contracts.services.orders import request_approve

    request_approve(request=ordered(request), user=User.objects.get(username="staff"))  # commits: reinstates
    return Contract.objects.get(request=request)


def test_staff_approve_from_the_queue_and_the_request_is_reinstated(browser, live_server, demo):
    request = ordered(inspected_today("JN11AC220001", "JN11AC220002", passes=(True, False)))

    page = new_page(browser, live_server, DESKTOP)
    sign_in(page, "staff")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Approvals").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Approval queue")
    card = page.locator(f"#request-{request.pk}")
    expect(card).to_contain_text("1 chassis passed inspection and will be covered.")
    expect(card).to_contain_text("Purchase order PO-7781 covers the final total USD 4,437.00.")
    expect(card).to_contain_text("0 of 1 given")
    snap(page, "desktop-staff-queue")
    card.get_by_role("button", name="Approve…").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Approve request {request.number}?")
    expect(page.locator(".confirm")).to_contain_text(
        "Approving issues the service contract in Acme Networks's name"
    )
    snap(page, "desktop-staff-approve-confirm")
    page.get_by_role("button", name="Approve and issue the contract in Acme Networks's name").click()

    expect(page.locator(".messages")).to_contain_text(f"Request {request.number} is approved.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Reinstated")
    from contracts.models import Contract

    contract = Contract.objects.get(request=request)
    expect(page.locator("#order")).to_contain_text(contract.number)
    snap(page, "desktop-staff-request-reinstated")
    request.refresh_from_db()
    assert request.status == "reinstated"
    page.goto("/approvals/")
    expect(page.locator(".empty")).to_contain_text("No request waits for approval.")
    page.context.close()


def test_the_customer_finds_the_contract_by_serial_and_downloads_the_welcome_kit(browser, live_server, demo):
    contract = reinstated(inspected_today("JN11AC220001"))

    page = new_page(browser, live_server, PHONE)
    sign_in(page, "customer")
    page.locator(".menu-toggle").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contracts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your contracts")
    page.get_by_role("searchbox").fill("jn11ac220001")
    page.get_by_role("button", name="Find").click()
    expect(page.locator(".contracts tbody tr")).to_have_count(1)
    fits_a_phone(page)
    snap(page, "phone-customer-found-by-serial")
    page.get_by_role("link", name=contract.number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(contract.number)
    expect(page.locator("#lines")).to_contain_text("JN11AC220001")
    fits_a_phone(page)
    snap(page, "phone-customer-contract")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download welcome kit").click()
    assert download.value.suggested_filename == f"welcome-kit-{contract.number}.pdf"
    with open(download.value.path(), "rb") as kit:
        assert kit.read(5) == b"%PDF-"
    page.context.close()


def test_order_approval_and_contract_pages_fit_a_phone_and_a_desktop(browser, live_server, demo):
    from relicensing.models import Registration

    contract = reinstated(inspected_today("JN11AC220001"))
    waiting = ordered(inspected_today("JN11AC220002"))
    to_order = inspected_today("JN11QF510001")
    unit = Registration.objects.get(
        equipment__serial_number="JN11AC220001", organization__name="Acme Networks"
    )
    pages = {
        "staff": {
            "queue": "/approvals/",
            "request-ordered": f"/requests/{waiting.pk}/",
            "contracts": "/contracts/",
            "contract": f"/contracts/{contract.number}/",
        },
        "customer": {
            "request-order-form": f"/requests/{to_order.pk}/",
            "request-ordered": f"/requests/{waiting.pk}/",
            "contracts": "/contracts/",
            "contract": f"/contracts/{contract.number}/",
            "equipment": f"/equipment/{unit.pk}/",
        },
        "partner": {"contracts": "/contracts/", "contract": f"/contracts/{contract.number}/"},
    }
    for username, paths in pages.items():
        for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            page = new_page(browser, live_server, viewport)
            sign_in(page, username)
            for what, path in paths.items():
                response = page.goto(path)
                assert response is not None and response.status == 200, (username, path)
                if what == "contract" and username == "customer":
                    page.get_by_text("Correct the site or contact").click()
                if name == "phone":
                    fits_a_phone(page)
                snap(page, f"{name}-{username}-{what}")
            page.context.close()
