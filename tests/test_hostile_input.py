"""Hostile input answers 400 with a stable code and a short echo, never a 500, a stack trace, or
work out of proportion to the bytes sent: sheets that lie about their size, huge cells, deep
JSON, amounts past the money columns, endless free text; quote PDFs drawn once per revision."""

import datetime as dt
import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from contracts.models import Quote, Sku
from relicensing.models import Registration
from tests.relicensing.test_requests_api import SITE

pytestmark = pytest.mark.django_db

HEADER = "vendor,serial_number,product,acquisition_channel,acquired_from,acquired_on,condition\n"
GOOD = "juniper,AB12CD34EF56,ACX2200,secondary_market,Broker Ltd,2026-01-05,working\n"
COLUMNS = ["vendor", "serial_number", "product", "acquisition_channel"]
ECHO_MAX = 60  # a short prefix of the bad value and its marks, never the value itself


@pytest.fixture
def today(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC), tick=False)
    return dt.date(2026, 11, 20)


def upload(client, content: bytes, name="serials.csv"):
    return client.post(
        "/api/v1/equipment/import/", {"file": SimpleUploadedFile(name, content)}, format="multipart"
    )


def sheet_bytes(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sheet_rewritten(content: bytes, rewrite) -> bytes:
    """The same workbook with its first sheet's XML passed through `rewrite`."""
    source, out = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = rewrite(data)
            target.writestr(item, data)
    return out.getvalue()


# --- XLSX ------------------------------------------------------------------------
def test_a_sheet_declaring_the_whole_grid_is_read_by_its_real_cells(api_as, customer, acx2200):
    """5 KB that declares A1:XFD1048576 (and a stray cell far away) is read as its one row."""
    good = GOOD.strip().split(",")
    content = sheet_rewritten(
        sheet_bytes([[*COLUMNS, "acquired_from", "acquired_on", "condition"], good]),
        lambda xml: xml.replace(b'<dimension ref="A1:G2" />', b'<dimension ref="A1:XFD1048576" />'),
    )
    assert b"XFD1048576" in zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    assert len(content) < 10_000
    response = upload(api_as(customer), content, name="serials.xlsx")
    assert response.status_code == 200, response.content[:300]
    assert response.json()["created"] == 1


def test_a_sheet_is_read_no_wider_than_the_import_needs():
    from relicensing.services.imports import files as import_files

    content = sheet_rewritten(
        sheet_bytes([COLUMNS, ["juniper", "AB12CD34EF56", "ACX2200", "secondary_market"]]),
        lambda xml: xml.replace(b'<dimension ref="A1:D2" />', b'<dimension ref="A1:XFD1048576" />'),
    )
    rows = list(import_files._xlsx_table(content))
    assert len(rows) == 2
    assert [len(row) for row in rows] == [16, 16]  # not 16,384 cells each


def test_a_sheet_with_rows_far_down_is_refused_not_walked(api_as, customer, acx2200):
    """A row numbered 1,048,576 after row 2 would be a million empty rows to walk."""
    good = GOOD.strip().split(",")
    far = b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    content = sheet_rewritten(
        sheet_bytes([[*COLUMNS, "acquired_from", "acquired_on", "condition"], good]),
        lambda xml: xml.replace(b"</sheetData>", far),
    )
    response = upload(api_as(customer), content, name="serials.xlsx")
    assert response.status_code == 400
    assert response.json()["code"] == "too_many_rows"


def test_a_30_mb_cell_is_refused_not_echoed(api_as, customer, acx2200):
    huge = "A" * 30_000_000
    content = sheet_bytes([COLUMNS, ["juniper", huge, "ACX2200", "secondary_market"]])
    assert len(content) < 200_000
    response = upload(api_as(customer), content, name="serials.xlsx")
    assert response.status_code == 400
    assert response.json()["code"] == "cell_too_long"
    assert len(response.content) < 1_000
    assert "AAAAAAAAAA" in response.json()["detail"]
    assert Registration.objects.count() == 0


def test_a_truncated_xlsx_is_a_400(api_as, customer, acx2200):
    content = sheet_bytes([COLUMNS, GOOD.strip().split(",")[:4]])
    for cut in (len(content) // 3, len(content) // 2, len(content) - 30):
        response = upload(api_as(customer), content[:cut], name="serials.xlsx")
        assert response.status_code == 400, cut
        assert response.json()["code"] == "unreadable_file"


def test_xml_entity_expansion_is_not_expanded():
    import openpyxl

    assert openpyxl.DEFUSEDXML is True


# --- CSV -------------------------------------------------------------------------
def test_a_csv_cell_past_the_csv_module_limit_is_a_400(api_as, customer, acx2200):
    content = (HEADER + GOOD + "juniper," + "B" * 131_073 + ",ACX2200,secondary_market,,,\n").encode()
    response = upload(api_as(customer), content)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "cell_too_long"
    assert body["detail"].startswith("Row 3: ")
    assert body["row"] == 3
    assert len(response.content) < 1_000
    assert Registration.objects.count() == 0


def test_a_long_csv_cell_under_the_module_limit_is_refused_with_a_short_echo(api_as, customer, acx2200):
    content = (HEADER + "juniper,AB12CD34EF56,ACX2200,secondary_market," + "C" * 5_000 + ",,\n").encode()
    response = upload(api_as(customer), content)
    assert response.status_code == 400
    assert response.json()["code"] == "cell_too_long"
    assert len(response.content) < 1_000


# --- JSON --------------------------------------------------------------------------
DEEP = ("[" * 1_000 + "]" * 1_000).encode()


@pytest.mark.parametrize("path", ["/api/v1/auth/token/", "/api/v1/requests/", "/api/v1/equipment/"])
def test_json_nested_1000_deep_is_a_400(api_as, customer, path):
    client = api_as(None if path.endswith("token/") else customer)
    response = client.post(path, DEEP, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "json_too_deep"


def test_brackets_inside_strings_are_not_nesting(api_as, customer, acx2200):
    body = json.dumps(
        {"vendor": "juniper", "serial_number": "[" * 100, "product": "ACX2200", "acquisition_channel": "x"}
    )
    response = api_as(customer).post("/api/v1/equipment/", body, content_type="application/json")
    assert response.status_code == 400
    assert "json_too_deep" not in response.content.decode()


# --- money ------------------------------------------------------------------------
def register(client, serial, product):
    body = {
        "vendor": "juniper",
        "serial_number": serial,
        "product": product,
        "acquisition_channel": "secondary_market",
    }
    response = client.post("/api/v1/equipment/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def request_open(client, *products, address=SITE["address"]):
    ids = [register(client, f"AB12CD34E{n:03d}", product) for n, product in enumerate(products)]
    body = {"site": {**SITE, "address": address}, "equipment": ids, "preferred_inspection_date": "2026-12-07"}
    return client.post("/api/v1/requests/", body, format="json")


def test_a_quote_past_the_money_column_is_a_400(api_as, customer, partner, qfx5100, today):
    Sku.objects.filter(code="QFX5K-C1-AFL").update(price=Decimal("9999999999.99"))
    request = request_open(api_as(customer), "QFX5100").json()
    addon = {"equipment": request["items"][0]["equipment"], "sku": "QFX5K-C1-AFL", "quantity": 10_000}
    response = api_as(partner).post(
        f"/api/v1/requests/{request['id']}/quotes/", {"addons": [addon]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "amount_out_of_range"
    assert not Quote.objects.exists()


def test_a_quote_just_inside_the_money_column_is_issued(api_as, customer, partner, qfx5100, today):
    Sku.objects.filter(code="QFX5K-C1-AFL").update(price=Decimal("99999999.99"))
    request = request_open(api_as(customer), "QFX5100").json()
    addon = {"equipment": request["items"][0]["equipment"], "sku": "QFX5K-C1-AFL", "quantity": 100}
    response = api_as(partner).post(
        f"/api/v1/requests/{request['id']}/quotes/", {"addons": [addon]}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert Decimal(response.json()["total"]) == Decimal("9999999999.00") + Decimal("3437.00")


# --- free text ----------------------------------------------------------------------
def test_a_100000_character_site_address_is_refused_by_the_api(api_as, customer, acx2200, today):
    response = request_open(api_as(customer), "ACX2200", address="1 Network Way " * 7_200)
    assert response.status_code == 400
    assert "address" in response.json()["site"]
    assert len(response.content) < 1_000


def test_a_500_character_site_address_is_taken(api_as, customer, acx2200, today):
    response = request_open(api_as(customer), "ACX2200", address="x" * 500)
    assert response.status_code == 201, response.json()


def test_the_site_form_refuses_a_100000_character_address():
    from relicensing.request_forms import SiteForm

    data = {**SITE, "address": "a" * 100_000, "country": "GB"}
    form = SiteForm(data=data)
    assert not form.is_valid()
    assert "address" in form.errors


def test_the_models_refuse_endless_free_text(acme, juniper):
    from django.core.exceptions import ValidationError

    from relicensing.models import Request

    unsaved = Request(number="RQ-1", customer=acme, vendor=juniper, site_address="a" * 501)
    with pytest.raises(ValidationError) as refused:
        unsaved.full_clean(
            exclude=[
                "site_name",
                "site_country",
                "contact_name",
                "contact_email",
                "contact_phone",
                "preferred_inspection_date",
                "created_by",
            ]
        )
    assert set(refused.value.message_dict) == {"site_address"}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "/api/v1/compliance-holds/",
            {"vendor": "juniper", "serial_number": "AB12CD34EF56", "reason": "r" * 2_001},
        ),
    ],
)
def test_staff_free_text_is_bounded(api_as, staff, acx2200, path, body):
    response = api_as(staff).post(path, body, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()


# --- quote PDFs -----------------------------------------------------------------------
def test_a_quote_pdf_is_drawn_once_and_served_from_storage(
    api_as, customer, partner, acx2200, today, monkeypatch
):
    from contracts import pdf

    request = request_open(api_as(customer), "ACX2200").json()
    quote = api_as(partner).post(f"/api/v1/requests/{request['id']}/quotes/", {}, format="json").json()
    drawn = []
    real = pdf.quote_pdf
    monkeypatch.setattr(pdf, "quote_pdf", lambda q: drawn.append(q.pk) or real(q))
    first = api_as(customer).get(f"/api/v1/quotes/{quote['id']}/pdf/")
    second = api_as(partner).get(f"/api/v1/quotes/{quote['id']}/pdf/")
    assert first.status_code == second.status_code == 200
    assert first.content.startswith(b"%PDF") and second.content == first.content
    assert drawn == [quote["id"]]
    stored = Quote.objects.get(pk=quote["id"])
    assert stored.pdf.name.startswith(f"quotes/{request['id']}/{quote['number']}-")
    with stored.pdf.open("rb") as handle:
        assert handle.read() == first.content


def test_the_quote_page_download_serves_the_stored_pdf(
    client, api_as, customer, partner, acx2200, today, monkeypatch
):
    from contracts import pdf

    request = request_open(api_as(customer), "ACX2200").json()
    quote = api_as(partner).post(f"/api/v1/requests/{request['id']}/quotes/", {}, format="json").json()
    api_as(customer).get(f"/api/v1/quotes/{quote['id']}/pdf/")
    monkeypatch.setattr(pdf, "quote_pdf", lambda q: pytest.fail("drawn again"))
    client.force_login(customer)
    response = client.get(f"/quotes/{quote['id']}/pdf/")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_a_new_status_draws_the_pdf_again(api_as, customer, partner, acx2200, today, monkeypatch):
    from contracts import pdf

    request = request_open(api_as(customer), "ACX2200").json()
    quote = api_as(partner).post(f"/api/v1/requests/{request['id']}/quotes/", {}, format="json").json()
    drawn = []
    real = pdf.quote_pdf
    monkeypatch.setattr(pdf, "quote_pdf", lambda q: drawn.append(q.status) or real(q))
    api_as(customer).get(f"/api/v1/quotes/{quote['id']}/pdf/")
    assert api_as(customer).post(f"/api/v1/quotes/{quote['id']}/accept/").status_code == 200
    api_as(customer).get(f"/api/v1/quotes/{quote['id']}/pdf/")
    api_as(customer).get(f"/api/v1/quotes/{quote['id']}/pdf/")
    assert drawn == ["issued", "accepted"]
