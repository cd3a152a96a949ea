"""Registering through the pages: one serial with the form, or a spreadsheet with a progress page."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from relicensing.models import ImportJob, Registration
from relicensing.services import imports
from tests.relicensing.registering import register, text

pytestmark = pytest.mark.django_db

FORM = {
    "vendor": "juniper",
    "serial_number": " ab12 cd34ef56 ",
    "product": "ACX2200",
    "acquisition_channel": "secondary_market",
    "condition": "working",
    "acquired_from": "Broker Ltd",
    "acquired_on": "2026-10-01",
}


# --- the register form ---------------------------------------------------------------
def test_register_form_offers_the_catalog_models(client, customer, acx2200):
    client.force_login(customer)
    page = text(client.get("/equipment/register/"))
    assert '<datalist id="products-juniper">' in page and 'value="ACX2200"' in page
    assert 'name="customer"' not in page  # a customer registers for itself


def test_register_then_land_on_the_eligible_unit(client, customer, acx2200):
    client.force_login(customer)
    response = client.post("/equipment/register/", FORM, follow=True)
    registration = Registration.objects.get()
    assert response.redirect_chain[-1][0] == f"/equipment/{registration.pk}/"
    page = text(response)
    assert "Juniper Networks serial AB12CD34EF56 is registered" in page
    assert "Eligible: inspection and relicensing" in page


def test_missing_fields_are_named_next_to_each_field(client, customer, acx2200):
    client.force_login(customer)
    page = text(client.post("/equipment/register/", {"vendor": "juniper"}))
    assert page.count("This field is required.") == 4  # serial, product, channel, condition
    assert not Registration.objects.exists()


def test_serial_not_matching_the_vendor_pattern_is_shown_on_the_serial_field(client, customer, acx2200):
    client.force_login(customer)
    page = text(client.post("/equipment/register/", {**FORM, "serial_number": "short"}))
    field = page.split('for="id_serial_number"')[1].split('<div class="field')[0]
    assert "SHORT is not a Juniper Networks serial number" in field


def test_registering_again_links_to_the_existing_registration(client, customer, acx2200):
    existing = register(customer)
    client.force_login(customer)
    page = text(client.post("/equipment/register/", FORM))
    assert "Acme Networks has already registered Juniper Networks serial AB12CD34EF56" in page
    assert f'href="/equipment/{existing.pk}/"' in page
    assert Registration.objects.count() == 1


def test_partner_registers_only_for_a_customer_it_serves(client, partner, customer, other_customer, acx2200):
    client.force_login(partner)
    page = text(client.get("/equipment/register/"))
    assert "Acme Networks" in page and "Borealis Data" not in page
    refused = text(client.post("/equipment/register/", {**FORM, "customer": other_customer.organization_id}))
    assert "Select a valid choice" in refused
    assert "This field is required." in text(client.post("/equipment/register/", FORM))
    client.post("/equipment/register/", {**FORM, "customer": customer.organization_id})
    assert Registration.objects.get().organization == customer.organization


def test_a_serial_check_link_prefills_the_form(client, customer, acx2200):
    client.force_login(customer)
    page = text(client.get("/equipment/register/?vendor=juniper&serial_number=AB12CD34EF56"))
    assert 'value="AB12CD34EF56"' in page and '<option value="juniper" selected>' in page


# --- the import page -------------------------------------------------------------------
HEADER = "vendor,serial_number,product,acquisition_channel,acquired_from,acquired_on,condition\n"
GOOD = "juniper,AB12CD34EF56,ACX2200,secondary_market,Broker Ltd,2026-01-05,working\n"
BAD = 'nokia,=HYPERLINK("http://x"),ACX2200,secondary_market,,,\n'


def upload(client, content: bytes, callbacks, **extra):
    with callbacks(execute=True):  # the worker's task runs at commit (eager in tests)
        return client.post(
            "/equipment/import/", {"file": SimpleUploadedFile("serials.csv", content), **extra}
        )


def test_import_page_describes_the_file(client, customer):
    client.force_login(customer)
    page = text(client.get("/equipment/import/"))
    assert "acquisition_channel" in page and "secondary_market" in page
    assert "At most 20 MB and 100,000 rows per file" in page
    template = client.get("/equipment/import/template.csv")
    assert template["Content-Disposition"] == 'attachment; filename="equipment-import-template.csv"'
    assert template.content.decode().strip() == HEADER.strip()  # no catalog yet: no example to give


def test_the_template_carries_an_example_row_that_imports(client, customer, acx2200, frozen_friday):
    acx2200.vendor.serial_example = "JN11AC220001"
    acx2200.vendor.save()
    client.force_login(customer)
    rows = client.get("/equipment/import/template.csv").content.decode().splitlines()
    assert rows == [
        HEADER.strip(),
        "juniper,JN11AC220001,ACX2200,secondary_market,Example Broker Ltd,2026-10-21,working",
    ]
    body = imports.registrations_import(
        organization=customer.organization,
        user=customer,
        rows=imports.rows_read(content="\n".join(rows).encode()),
    )
    assert (body.created, body.rejected) == (1, [])


def test_import_through_the_page(client, customer, acx2200, django_capture_on_commit_callbacks):
    client.force_login(customer)
    response = upload(client, (HEADER + GOOD + BAD).encode(), django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert response["Location"] == f"/equipment/import/{job.pk}/"
    page = text(client.get(response["Location"]))
    assert '1</span><span class="stat-l">registered' in page
    assert "unknown vendor 'nokia'" in page
    assert "Download error report (CSV)" in page
    status = client.get(f"/equipment/import/{job.pk}/status.json").json()
    assert status == {
        "status": "done",
        "processed_rows": 2,
        "total_rows": 2,
        "percent": 100,
        "created_count": 1,
        "already_registered_count": 0,
        "rejected_count": 1,
        "error": "",
    }
    assert Registration.objects.get().equipment.serial_number == "AB12CD34EF56"


def test_error_report_is_a_download_with_formulas_neutralised(
    client, customer, acx2200, django_capture_on_commit_callbacks
):
    client.force_login(customer)
    upload(client, (HEADER + GOOD + BAD).encode(), django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    report = client.get(f"/equipment/import/{job.pk}/errors.csv")
    assert report["Content-Type"].startswith("text/csv")
    assert report["Content-Disposition"] == f'attachment; filename="import-{job.pk}-errors.csv"'
    rows = list(csv.reader(io.StringIO(report.content.decode())))
    assert rows[0] == ["row", "serial_number", "errors"]
    assert rows[1][0] == "3" and rows[1][1].startswith("'=HYPERLINK")
    assert "unknown vendor" in rows[1][2]


def test_a_bad_file_is_refused_at_once_with_the_reason(client, customer, django_capture_on_commit_callbacks):
    client.force_login(customer)
    response = upload(client, b"serial,model\nX,Y\n", django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert "The first row must name the columns; missing: vendor, serial_number" in text(response)
    assert not ImportJob.objects.exists()


def test_a_running_job_shows_a_progress_bar_that_polls(client, customer):
    client.force_login(customer)
    job = ImportJob.objects.create(
        organization=customer.organization, original_name="big.csv", total_rows=10_000, processed_rows=2_500
    )
    page = text(client.get(f"/equipment/import/{job.pk}/"))
    assert f'data-status-url="/equipment/import/{job.pk}/status.json"' in page
    assert 'aria-valuenow="25"' in page and "js/import_job.js" in page


def test_partner_imports_for_a_customer_it_serves(
    client, partner, customer, acx2200, django_capture_on_commit_callbacks
):
    client.force_login(partner)
    upload(
        client,
        (HEADER + GOOD).encode(),
        django_capture_on_commit_callbacks,
        customer=customer.organization_id,
    )
    assert Registration.objects.get().organization == customer.organization


def test_another_organisations_import_job_is_a_404(client, customer, other_customer, other_partner, partner):
    job = ImportJob.objects.create(organization=customer.organization, original_name="mine.csv")
    suffixes = ("", "status.json", "errors.csv")
    for outsider in (other_customer, other_partner):
        client.force_login(outsider)
        for suffix in suffixes:
            assert client.get(f"/equipment/import/{job.pk}/{suffix}").status_code == 404
    client.force_login(partner)
    assert all(client.get(f"/equipment/import/{job.pk}/{s}").status_code == 200 for s in suffixes)
