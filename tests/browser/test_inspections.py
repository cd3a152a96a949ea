"""Through Chromium: the inspector records results at the site on a 390 px wide phone (one chassis
passes, one fails, a photo attached, a refused submit first), the customer moves a visit, and every
inspection page at 1280 px and 390 px for each reader, none scrolling sideways on the phone.

The live server's clock is not frozen: visits are booked from today's date, and a visit to record
today has its date set to today in the setup (the date is not a status, so an update may set it).
Screenshots go to test-artifacts/inspections/ to look at."""

import datetime as dt

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import ARTIFACTS, sign_in
from tests.inspections.test_pages import png

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
FOLDER = ARTIFACTS / "inspections"
SCROLL = "() => ({scroll: document.documentElement.scrollWidth, width: document.documentElement.clientWidth})"


def new_page(browser: Browser, live_server, viewport: dict) -> Page:
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def snap(page: Page, name: str) -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(FOLDER / f"{name}.png"), full_page=True)


def fits_a_phone(page: Page) -> None:
    measured = page.evaluate(SCROLL)
    assert measured["scroll"] <= 390, f"{page.url} scrolls sideways: {measured}"


def opened_visit(customer_name: str, partner_name: str, *serials: str, lead: int = 10):
    """A request for these serials at a GB site, quoted by the partner and accepted by the customer:
    its inspection, waiting for a date. The vendor's lead time is set to `lead` first."""
    from accounts.models import User
    from contracts.services.quotes import quote_accept, quote_issue
    from inspections.models import Inspection
    from relicensing.business_days import earliest_inspection_date
    from relicensing.models import Registration, Vendor
    from relicensing.services.requests import request_create

    Vendor.objects.filter(slug="juniper").update(inspection_lead_business_days=lead)
    customer, partner = User.objects.get(username=customer_name), User.objects.get(username=partner_name)
    units = Registration.objects.filter(
        equipment__serial_number__in=serials, organization=customer.organization
    )
    request = request_create(
        customer=customer.organization,
        user=customer,
        site={
            "name": f"{customer.organization.name} Leeds",
            "address": "1 Network Way\nLeeds LS1 1AA",
            "country": "GB",
            "contact_name": "Casey Morgan",
            "contact_email": "casey@example.com",
            "contact_phone": "+44 113 496 0000",
        },
        equipment=[unit.pk for unit in units],
        preferred_inspection_date=earliest_inspection_date(
            today=dt.date.today(), lead_business_days=lead, country="GB"
        ),
    )
    quote_accept(quote=quote_issue(request=request, user=partner), user=customer)
    return Inspection.objects.get(request=request)


def booked_visit(inspection, *, today: bool = False):
    """Staff book the visit at the earliest date; with `today`, its date is then moved to today so
    results can be recorded now."""
    from accounts.models import User
    from inspections.models import Inspection
    from inspections.services.visits import inspection_schedule
    from relicensing.business_days import earliest_inspection_date

    request = inspection.request
    date = earliest_inspection_date(
        today=dt.date.today(), lead_business_days=request.vendor.inspection_lead_business_days, country="GB"
    )
    staff, inspector = User.objects.get(username="staff"), User.objects.get(username="inspector")
    inspection_schedule(inspection=inspection, user=staff, date=date, inspector=inspector)
    if today:
        Inspection.objects.filter(pk=inspection.pk).update(date=dt.date.today())
    return Inspection.objects.get(pk=inspection.pk)


def test_the_inspector_records_results_on_a_phone(browser, live_server, demo, tmp_path):
    from inspections.models import InspectionPhoto

    visit = booked_visit(
        opened_visit("customer", "partner", "JN11AC220001", "JN11AC220002", lead=0), today=True
    )
    lines = {line.serial_number: line.pk for line in visit.lines.all()}
    photo = tmp_path / "front.png"
    photo.write_bytes(png(64, 48))

    page = new_page(browser, live_server, PHONE)
    sign_in(page, "inspector")
    page.locator(".menu-toggle").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Inspections").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your visits")
    expect(page.locator(".feed-card")).to_contain_text("Keep the link private")
    fits_a_phone(page)
    snap(page, "phone-inspector-list")
    page.get_by_role("link", name=visit.request.number).click()
    expect(page.locator(".what-next")).to_contain_text("Your visit is on")
    fits_a_phone(page)
    snap(page, "phone-inspector-visit")
    page.get_by_role("link", name="Record results").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Results for")
    fits_a_phone(page)
    snap(page, "phone-results-empty")

    def answer(serial: str, key: str, value: str) -> None:
        page.locator(f'input[name="c{lines[serial]}-{key}"][value="{value}"]').check()

    required = ["physical_condition", "powers_on", "diagnostics_pass", "supported_release"]
    required += ["serial_matches_label", "no_tampering"]
    for key in required:
        answer("JN11AC220001", key, "yes")
    answer("JN11AC220001", "verdict", "passed")
    page.get_by_label("Photos of JN11AC220001").set_input_files(str(photo))
    for key in required:
        answer("JN11AC220002", key, "no" if key == "powers_on" else "yes")
    answer("JN11AC220002", "verdict", "failed")
    page.get_by_label("Notes on JN11AC220002").fill("No power on either supply; PSU fans silent.")
    page.get_by_role("button", name="Submit the results").click()  # without the confirmation

    expect(page.locator(".banner-warn")).to_contain_text("Nothing is saved yet.")
    expect(page.locator(".final-confirm")).to_contain_text("Tick the box to confirm")
    expect(page.locator(f'input[name="c{lines["JN11AC220002"]}-powers_on"][value="no"]')).to_be_checked()
    expect(page.get_by_label("Notes on JN11AC220002")).to_have_value(
        "No power on either supply; PSU fans silent."
    )
    fits_a_phone(page)
    snap(page, "phone-results-refused")
    assert not InspectionPhoto.objects.exists()  # nothing half-saved

    page.get_by_label("Photos of JN11AC220001").set_input_files(str(photo))  # chosen again
    page.get_by_label("These results are final once submitted").check()
    snap(page, "phone-results-filled")
    page.get_by_role("button", name="Submit the results").click()

    expect(page.locator(".messages")).to_contain_text("Results recorded: 1 of 2 chassis passed.")
    expect(page.locator(f"#chassis-{lines['JN11AC220001']}")).to_contain_text("Passed")
    expect(page.locator(f"#chassis-{lines['JN11AC220002']}")).to_contain_text("Failed")
    expect(page.locator(f"#chassis-{lines['JN11AC220001']} .photos img")).to_have_count(1)
    fits_a_phone(page)
    snap(page, "phone-results-recorded")
    visit.refresh_from_db()
    assert visit.status == "completed" and visit.request.status == "inspected"
    page.context.close()


def test_the_customer_moves_the_visit(browser, live_server, demo):
    from common.formats import visit_day
    from inspections.selectors import available_dates

    visit = booked_visit(opened_visit("customer", "partner", "JN11AC220001"))
    offered = available_dates(inspection=visit)
    target = offered[1]

    page = new_page(browser, live_server, DESKTOP)
    sign_in(page, "customer")
    page.goto(f"/inspections/{visit.pk}/")
    move = page.locator("#move")
    expect(move).to_contain_text("You can move it until")
    expect(move).to_contain_text("Moves left: 2 of 2")
    options = page.get_by_label("New date").locator("option")
    expect(options).to_have_count(len(offered) + 1)  # the days offered, after "Choose a day"
    snap(page, "desktop-customer-visit-booked")
    page.get_by_label("New date").select_option(target.isoformat())
    page.get_by_role("button", name="Move the visit…").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Move the visit to {visit_day(target)}?")
    snap(page, "desktop-customer-move-confirm")
    page.get_by_role("button", name=f"Yes, move the visit to {visit_day(target)}").click()

    expect(page.locator(".messages")).to_contain_text(f"The visit is moved to {visit_day(target)}")
    expect(page.locator("#timeline")).to_contain_text(f"to {visit_day(target)}")
    expect(page.locator("#move")).to_contain_text("Moves left: 1 of 2")
    snap(page, "desktop-customer-visit-moved")
    visit.refresh_from_db()
    assert (visit.date, visit.reschedules) == (target, 1)
    page.context.close()


def test_every_inspection_page_fits_a_phone_and_a_desktop(browser, live_server, demo):
    from inspections.services.results import inspection_result_correct, inspection_results_record
    from tests.inspections.visits import answers

    done = booked_visit(
        opened_visit("customer", "partner", "JN11AC220001", "JN11AC220002", lead=0), today=True
    )
    from accounts.models import User

    inspection_results_record(
        inspection=done,
        user=User.objects.get(username="inspector"),
        results=[
            {"serial_number": "JN11AC220001", "passed": True, "checklist": answers(), "notes": "Clean unit."},
            {"serial_number": "JN11AC220002", "passed": False, "checklist": answers(powers_on=False)},
        ],
    )
    inspection_result_correct(
        inspection=done,
        user=User.objects.get(username="staff"),
        result={
            "serial_number": "JN11AC220002",
            "passed": False,
            "checklist": answers(powers_on=False, diagnostics_pass=False),
            "notes": "No power, so diagnostics could not run.",
        },
        reason="Diagnostics cannot pass on a unit that does not power on; the inspector confirmed by phone.",
    )
    waiting = opened_visit("customer2", "partner2", "JN11AC229901", lead=10)
    moving = booked_visit(opened_visit("customer", "partner", "JN11QF510001", lead=10))
    line = done.lines.get(serial_number="JN11AC220002")
    unit = done.request.items.get(equipment__serial_number="JN11AC220002").registration_id
    waiting_url, moving_url, done_url = (f"/inspections/{v.pk}/" for v in (waiting, moving, done))
    pages = {
        "staff": {
            "list": "/inspections/",
            "calendar": "/inspections/calendar/",
            "checklists": "/inspections/checklists/",
            "checklist-edit": "/inspections/checklists/juniper/",
            "visit-unscheduled": waiting_url,
            "visit-scheduled": moving_url,
            "visit-completed": done_url,
            "correct": f"{done_url}chassis/{line.pk}/correct/",
            "equipment": f"/equipment/{unit}/",
        },
        "customer": {
            "list": "/inspections/",
            "visit-scheduled": moving_url,
            "visit-completed": done_url,
            "request": f"/requests/{moving.request_id}/",
        },
        "partner": {"list": "/inspections/", "visit-scheduled": moving_url},
        "inspector": {"list": "/inspections/", "visit-scheduled": moving_url, "visit-completed": done_url},
    }
    for username, paths in pages.items():
        for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            page = new_page(browser, live_server, viewport)
            sign_in(page, username)
            for what, path in paths.items():
                response = page.goto(path)
                assert response is not None and response.status == 200, (username, path)
                if name == "phone":
                    fits_a_phone(page)
                snap(page, f"{name}-{username}-{what}")
            page.context.close()
