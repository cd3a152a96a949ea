"""Bulk registration from CSV and XLSX: per-row results and the edge cases of real files."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from relicensing.models import Registration
from relicensing.services import imports
from relicensing.services.imports import files as import_files

pytestmark = pytest.mark.django_db

HEADER = "vendor,serial_number,product,acquisition_channel,acquired_from,acquired_on,condition\n"
GOOD = "juniper,AB12CD34EF56,ACX2200,secondary_market,Broker Ltd,2026-01-05,working\n"
BAD_SERIAL = "juniper,BAD,ACX2200,secondary_market,,,\n"


def upload(client, content: bytes, name="serials.csv", **extra):
    return client.post(
        "/api/v1/equipment/import/", {"file": SimpleUploadedFile(name, content), **extra}, format="multipart"
    )


def test_a_bad_row_never_stops_a_good_row(api_as, customer, acx2200):
    response = upload(api_as(customer), (HEADER + GOOD + BAD_SERIAL).encode())
    assert response.status_code == 200
    body = response.json()
    assert body["created"] == 1
    assert body["rejected"] == [
        {
            "row": 3,
            "serial_number": "BAD",
            "errors": [
                "serial_number: BAD is not a Juniper Networks serial number: Juniper Networks serials are "
                "12 letters and digits, like JN11AC220001."
            ],
        }
    ]


def test_reupload_creates_no_duplicates(api_as, customer, acx2200):
    client = api_as(customer)
    upload(client, (HEADER + GOOD).encode())
    again = upload(client, (HEADER + GOOD).encode()).json()
    assert again["created"] == 0
    assert again["already_registered"] == 1
    assert Registration.objects.count() == 1


def test_same_serial_twice_in_a_file_is_reported(api_as, customer, acx2200):
    body = upload(api_as(customer), (HEADER + GOOD + GOOD.replace("AB12", "ab12")).encode()).json()
    assert body["created"] == 1
    assert body["rejected"][0]["errors"] == ["serial_number: also on row 2"]


def test_utf8_bom_and_latin1_are_read(api_as, customer, acx2200):
    client = api_as(customer)
    bom = "\ufeff" + HEADER + GOOD.replace("Broker Ltd", "Bröker GmbH")
    assert upload(client, bom.encode("utf-8")).json()["created"] == 1
    latin = HEADER + GOOD.replace("AB12CD34EF56", "CD12CD34EF56").replace("Broker Ltd", "Société Générale")
    assert upload(client, latin.encode("latin-1")).json()["created"] == 1
    froms = set(Registration.objects.values_list("acquired_from", flat=True))
    assert froms == {"Bröker GmbH", "Société Générale"}


def test_xlsx_with_real_dates_and_numbers(api_as, customer, acx2200):
    import datetime as dt

    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            "Vendor",
            "Serial Number",
            "Product",
            "Acquisition Channel",
            "Acquired From",
            "Acquired On",
            "Condition",
        ]
    )
    sheet.append(
        [
            "juniper",
            "AB12CD34EF56",
            "ACX2200",
            "secondary_market",
            "Broker",
            dt.datetime(2026, 3, 4),
            "working",
        ]
    )
    sheet.append(["juniper", 123456789012, "ACX2200", "secondary_market", None, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    body = upload(api_as(customer), buffer.getvalue(), name="serials.xlsx").json()
    assert body["created"] == 2, body
    assert Registration.objects.get(equipment__serial_number="AB12CD34EF56").acquired_on == dt.date(
        2026, 3, 4
    )
    assert Registration.objects.filter(equipment__serial_number="123456789012").exists()


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty_file"),
        (b"   \n", "empty_file"),
        (HEADER.encode(), "empty_file"),
        (b"serial_number,product\nAB12CD34EF56,ACX2200\n", "missing_columns"),
        (b"PK\x03\x04 not really a spreadsheet", "unreadable_file"),
        (b"\x00\x01\x02binary", "unreadable_file"),
    ],
)
def test_unusable_files_are_a_clear_400(api_as, customer, acx2200, content, code):
    response = upload(api_as(customer), content or b" ")
    if content == b"":
        response = upload(api_as(customer), b"")
    assert response.status_code == 400
    body = response.json()
    assert body.get("code") == code or "file" in body


def test_file_over_the_size_limit(api_as, customer, acx2200, monkeypatch):
    monkeypatch.setattr(import_files, "MAX_FILE_BYTES", 100)
    response = upload(api_as(customer), (HEADER + GOOD * 5).encode())
    assert response.status_code == 400
    assert response.json()["code"] == "file_too_large"


def test_too_many_rows(api_as, customer, acx2200, monkeypatch):
    monkeypatch.setattr(import_files, "MAX_ROWS", 2)
    rows = "".join(GOOD.replace("AB12CD34EF56", f"AB12CD34EF{n:02d}") for n in range(3))
    response = upload(api_as(customer), (HEADER + rows).encode())
    assert response.status_code == 400
    assert response.json()["code"] == "too_many_rows"


def test_wrong_types_are_named_per_row(api_as, customer, acx2200):
    bad = "juniper,AB12CD34EF56,ACX2200,bought_at_a_fair,,last tuesday,soggy\n"
    [row] = upload(api_as(customer), (HEADER + bad).encode()).json()["rejected"]
    assert row["errors"] == [
        "acquisition_channel: must be one of authorized, certified_refurbished, donated, secondary_market",
        "condition: must be one of damaged, environmental_damage, working",
        "acquired_on: not a date (use YYYY-MM-DD)",
    ]


def test_error_report_neutralises_formula_cells():
    report = imports.error_report_csv(
        [{"row": 2, "serial_number": '=HYPERLINK("x")', "errors": ["+1", "@SUM(A1)", "-2"]}]
    )
    lines = report.splitlines()
    assert lines[0] == "row,serial_number,errors"
    assert lines[1].startswith("2,\"'=HYPERLINK") and ",'+1; @SUM(A1); -2" in lines[1]


def test_import_for_another_organisation_is_a_404(api_as, partner, other_customer, acx2200):
    response = upload(api_as(partner), (HEADER + GOOD).encode(), customer=other_customer.organization_id)
    assert response.status_code == 404
    assert not Registration.objects.exists()


# --- files that used to crash or lose rows (found by review) -------------------------------
SHORT_HEADER = "vendor,serial_number,product,acquisition_channel,acquired_from\n"


def test_an_unclosed_quote_costs_only_its_own_row(api_as, customer, acx2200):
    content = (
        SHORT_HEADER
        + 'juniper,AB12CD000001,ACX2200,secondary_market,"Reliable Surplus\n'
        + "".join(f"juniper,AB12CD00000{n},ACX2200,secondary_market,Broker\n" for n in (2, 3, 4))
    ).encode()
    body = upload(api_as(customer), content).json()
    assert body["created"] == 3
    assert body["rejected"] == [
        {
            "row": 2,
            "serial_number": "",
            "errors": ["a quotation mark is opened and never closed on this line"],
        }
    ]


def test_a_cell_longer_than_csv_allows_refuses_the_file_with_a_short_echo(api_as, customer, acx2200):
    content = (
        SHORT_HEADER
        + "juniper,AB12CD000001,ACX2200,secondary_market,Broker\n"
        + f'juniper,AB12CD000002,ACX2200,secondary_market,"{"x" * 140_000}"\n'
    ).encode()
    response = upload(api_as(customer), content)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "cell_too_long" and body["row"] == 3
    assert len(response.content) < 1_000
    assert not Registration.objects.exists()


def test_the_upload_page_survives_an_oversized_cell(client, customer, acx2200):
    client.force_login(customer)
    content = (SHORT_HEADER + f'juniper,"{"x" * 140_000}",ACX2200,secondary_market,\n').encode()
    response = client.post("/equipment/import/", {"file": SimpleUploadedFile("u.csv", content)})
    assert response.status_code == 200
    assert "longer than 1,000 characters" in response.content.decode()
    assert len(response.content) < 140_000


def test_a_spreadsheet_whose_sheet_is_damaged_is_a_clear_400(api_as, customer, acx2200):
    import zipfile

    book = Workbook()
    book.active.append(["vendor", "serial_number", "product", "acquisition_channel"])
    book.active.append(["juniper", "AB12CD000001", "ACX2200", "secondary_market"])
    good, broken = io.BytesIO(), io.BytesIO()
    book.save(good)
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]  # opens, then fails while the rows are read
            target.writestr(item, data)
    response = upload(api_as(customer), broken.getvalue(), name="units.xlsx")
    assert response.status_code == 400
    assert response.json()["code"] == "unreadable_file"
    assert not Registration.objects.exists()
