"""Through Chromium: a customer registers a serial, imports a file with a bad row and reads the
error report, then checks serials before buying; staff use the holds and disputes pages."""

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

IMPORT_CSV = (
    b"vendor,serial_number,product,acquisition_channel,acquired_from,acquired_on,condition\n"
    b"juniper,JN11AC228888,ACX2200,secondary_market,Broker Ltd,2026-09-01,working\n"
    b"juniper,TOO-SHORT,ACX2200,secondary_market,Broker Ltd,2026-09-01,working\n"
)


def test_customer_registers_imports_and_reads_the_error_report(page: Page, demo, screenshot):
    sign_in(page, "customer")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Equipment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your equipment")
    expect(page.locator("main table")).to_contain_text("JN11AC220001")
    screenshot("equipment-list")

    page.get_by_role("link", name="Register a serial").first.click()
    page.get_by_label("Vendor").select_option("juniper")
    page.get_by_label("Serial number").fill("jn11 ac22 7777")
    page.get_by_label("Product model").fill("ACX2200")
    page.get_by_label("How you got it").select_option("secondary_market")
    page.get_by_label("Bought from").fill("Reliable Surplus Ltd")
    screenshot("equipment-register")
    page.get_by_role("button", name="Register", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("JN11AC227777")
    expect(page.locator(".verdict")).to_contain_text("Eligible: inspection and relicensing")
    expect(page.locator(".comparison")).to_contain_text("USD 3,437.00")
    expect(page.locator(".comparison")).to_contain_text("USD 2,125.00 \u2013 USD 6,375.00")
    screenshot("equipment-detail")

    page.goto("/equipment/import/")
    screenshot("equipment-import")
    page.get_by_label("Spreadsheet (CSV or XLSX)").set_input_files(
        files=[{"name": "serials.csv", "mimeType": "text/csv", "buffer": IMPORT_CSV}]
    )
    page.get_by_role("button", name="Upload and import").click()
    expect(page.get_by_role("heading", name="Rejected rows")).to_be_visible()
    expect(page.locator("main")).to_contain_text("TOO-SHORT")
    screenshot("import-results")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download error report (CSV)").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text())))
    assert rows[0] == ["row", "serial_number", "errors"]
    assert rows[1] == [
        "3",
        "TOO-SHORT",
        "serial_number: TOO-SHORT is not a Juniper Networks serial number: Juniper Networks serials are "
        "12 letters and digits, like JN11AC220001.",
    ]


def test_buyer_checks_serials_before_buying(page: Page, demo, screenshot):
    sign_in(page, "customer2")
    page.get_by_role("link", name="Serial check").click()
    page.get_by_label("Vendor").select_option("juniper")
    page.get_by_label("Serial number").fill("JN11HOLD0001")
    page.get_by_label("Model on offer").fill("ACX2200")
    page.get_by_role("button", name="Check", exact=True).click()
    expect(page.locator(".result")).to_contain_text("Compliance hold")
    expect(page.locator(".result")).to_contain_text("Not eligible")
    screenshot("serial-check")

    page.get_by_role("link", name="Check many serials").click()
    page.get_by_label("Vendor").select_option("juniper")
    page.get_by_label("Serials").fill("JN11AC220001\nJN11AC220002, JN11QF510001\nJN11HOLD0001 JN11NEW00001")
    page.get_by_label("Model on offer").fill("ACX2200")
    page.get_by_role("button", name="Check", exact=True).click()
    expect(page.locator(".stats")).to_contain_text("5")
    expect(page.locator("main")).to_contain_text("What these results mean")
    screenshot("bulk-check")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    assert len(Path(download.value.path()).read_text().splitlines()) == 6


def test_staff_hold_dispute_and_flag_pages(page: Page, demo, screenshot):
    from accounts.models import User
    from tests.relicensing.registering import register

    register(User.objects.get(username="customer2"), "JN11AC220001", acquired_from="Online auction")
    sign_in(page, "staff")
    page.get_by_role("link", name="Holds & disputes").click()
    expect(page.locator("main")).to_contain_text("JN11HOLD0001")
    page.get_by_label("Vendor").select_option("cisco")
    page.get_by_label("Serial number").fill("FOC9999Z123")
    page.get_by_label("Reason").fill("Fraud investigation (case 42)")
    page.get_by_role("button", name="Place hold").click()
    expect(page.locator(".messages")).to_contain_text("FOC9999Z123 is on hold")
    screenshot("staff-holds")
    page.get_by_role("link", name="Ownership disputes").click()
    expect(page.locator("main")).to_contain_text("Borealis Data")
    screenshot("staff-disputes")

    page.goto("/equipment/?q=JN11AC220002")
    page.get_by_role("link", name="JN11AC220002").click()
    page.get_by_label("Set a flag").select_option("permanently_damaged")
    page.get_by_role("button", name="Set flag").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("permanently damaged?")
    screenshot("staff-confirm")
    page.get_by_role("button", name="Yes, declare").click()
    expect(page.locator(".reasons")).to_contain_text("Permanently damaged")
    screenshot("staff-equipment-detail")


def test_job_page_polls_until_the_worker_finishes(page: Page, demo, screenshot):
    from accounts.models import Organization
    from common.workflow import transition
    from relicensing.models import ImportJob

    job = ImportJob.objects.create(
        organization=Organization.objects.get(name="Acme Networks"),
        original_name="big.csv",
        total_rows=20_000,
        processed_rows=5_000,
    )
    transition(job, to="running")  # a worker has claimed it
    sign_in(page, "customer")
    page.goto(f"/equipment/import/{job.pk}/")
    expect(page.locator(".progress-bar")).to_have_attribute("style", "width: 25%;")  # set by import_job.js
    ImportJob.objects.filter(pk=job.pk).update(processed_rows=15_000, created_count=14_000)
    expect(page.locator("[data-progress-text]")).to_contain_text("15,000 of 20,000 rows (75 %)")
    screenshot("import-progress")
    rejected = [{"row": 7, "serial_number": "BAD", "errors": ["serial_number: missing"]}]
    ImportJob.objects.filter(pk=job.pk).update(processed_rows=20_000, created_count=19_999, rejected=rejected)
    transition(job, to="done")
    expect(page.get_by_role("heading", name="Rejected rows")).to_be_visible()
    expect(page.locator(".stats")).to_contain_text("19,999")
