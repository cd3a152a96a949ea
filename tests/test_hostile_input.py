"""Hostile input answers 400 with a stable code and a short echo, never a 500, a stack trace, or
work out of proportion to the bytes sent: sheets that lie about their size, huge cells, deep
JSON, amounts past the money columns, endless free text; quote PDFs drawn once per revision."""

import datetime as dt
import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from relicensing.models import Registration

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
    from relicensing.services import imports

    content = sheet_rewritten(
        sheet_bytes([COLUMNS, ["juniper", "AB12CD34EF56", "ACX2200", "secondary_market"]]),
        lambda xml: xml.replace(b'<dimension ref="A1:D2" />', b'<dimension ref="A1:XFD1048576" />'),
    )
    rows = list(imports._xlsx_table(content))
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
