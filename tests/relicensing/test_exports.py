"""The equipment export: the equipment list as CSV and XLSX, filtered as the page is, for each
reader (outsiders included), with formula-like cells neutralised and a query count that does not
grow with the rows."""

import csv
import datetime as dt
import io

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from tests.relicensing.registering import register, text

pytestmark = pytest.mark.django_db

HEADER = [
    "Serial",
    "Vendor",
    "Product",
    "Customer",
    "Channel",
    "Condition",
    "Acquired on",
    "Acquired from",
    "Eligible",
    "Path",
    "Reasons",
]
SECONDARY = "Secondary market (broker, auction, gray market)"
ELIGIBLE = ["yes", "Eligible: inspection and relicensing", ""]


@pytest.fixture
def base(customer, other_customer, acx2200, old_cisco, time_machine):
    """Acme's three units and Borealis's one, registered a minute apart (newest last)."""
    time_machine.move_to(dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC), tick=False)
    register(customer, "AB12CD34EF56", acquired_on=dt.date(2026, 3, 2))
    time_machine.move_to(dt.datetime(2026, 12, 7, 9, 1, tzinfo=dt.UTC), tick=False)
    register(customer, "YY12CD34EF56", condition="damaged", acquired_from='=HYPERLINK("http://x")')
    time_machine.move_to(dt.datetime(2026, 12, 7, 9, 2, tzinfo=dt.UTC), tick=False)
    register(customer, "FOC1234X56Y", vendor="cisco", product="WS-C3750X-48P", acquired_from="@SUM(A1)")
    time_machine.move_to(dt.datetime(2026, 12, 7, 9, 3, tzinfo=dt.UTC), tick=False)
    register(other_customer, "BO12CD34EF56")


ACME_ROWS = [
    [
        "FOC1234X56Y",
        "Cisco Systems",
        "WS-C3750X-48P",
        "Acme Networks",
        SECONDARY,
        "Working",
        "",
        "'@SUM(A1)",
        "no",
        "Cannot enter the programme",
        "Past end of support",
    ],
    [
        "YY12CD34EF56",
        "Juniper Networks",
        "ACX2200",
        "Acme Networks",
        SECONDARY,
        "Damaged or not working",
        "",
        '\'=HYPERLINK("http://x")',
        "no",
        "Cannot enter the programme",
        "Damaged or not working",
    ],
    [
        "AB12CD34EF56",
        "Juniper Networks",
        "ACX2200",
        "Acme Networks",
        SECONDARY,
        "Working",
        "2026-03-02",
        "Broker Ltd",
        *ELIGIBLE,
    ],
]
BOREALIS_ROW = [
    "BO12CD34EF56",
    "Juniper Networks",
    "ACX2200",
    "Borealis Data",
    SECONDARY,
    "Working",
    "",
    "Broker Ltd",
    *ELIGIBLE,
]


def download(client, user, url):
    client.force_login(user)
    return client.get(url)


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def xlsx_rows(response) -> list[list]:
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book["Equipment"]
    return [[cell if cell is not None else "" for cell in row] for row in sheet.iter_rows(values_only=True)]


def test_a_customer_downloads_its_equipment_as_csv(client, base, customer):
    response = download(client, customer, "/equipment/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="equipment-2026-12-07.csv"'
    assert csv_rows(response) == [HEADER, *ACME_ROWS]


def test_a_customer_downloads_its_equipment_as_xlsx(client, base, customer):
    response = download(client, customer, "/equipment/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="equipment-2026-12-07.xlsx"' in response["Content-Disposition"]
    rows = xlsx_rows(response)
    assert rows[0] == HEADER
    expected = [list(row) for row in ACME_ROWS]
    expected[2][6] = dt.datetime(2026, 3, 2)  # a date cell, read back as a datetime
    assert rows[1:] == expected


def test_formula_like_cells_are_text_in_the_workbook(client, base, customer):
    book = load_workbook(io.BytesIO(b"".join(download(client, customer, "/equipment/export.xlsx"))))
    cell = book["Equipment"]["H3"]
    assert cell.value == '\'=HYPERLINK("http://x")'
    assert cell.data_type == "s"  # text, never a formula


def test_the_page_filters_apply(client, base, customer):
    def serials(query, extension="csv"):
        response = download(client, customer, f"/equipment/export.{extension}?{query}")
        rows = csv_rows(response) if extension == "csv" else xlsx_rows(response)
        return [row[0] for row in rows[1:]]

    assert serials("eligible=yes") == ["AB12CD34EF56"]
    assert serials("eligible=no") == ["FOC1234X56Y", "YY12CD34EF56"]
    assert serials("vendor=cisco") == ["FOC1234X56Y"]
    assert serials("product=ACX2200&eligible=no", "xlsx") == ["YY12CD34EF56"]
    assert serials("q=yy12") == ["YY12CD34EF56"]
    assert serials("q=NOTHERE") == []
    assert serials("eligible=bogus") == ["FOC1234X56Y", "YY12CD34EF56", "AB12CD34EF56"]


def test_a_partner_gets_the_customers_it_serves_and_may_pick_one(client, base, partner, acme):
    assert csv_rows(download(client, partner, "/equipment/export.csv"))[1:] == ACME_ROWS
    assert csv_rows(download(client, partner, f"/equipment/export.csv?customer={acme.pk}"))[1:] == ACME_ROWS


def test_staff_get_everyone(client, base, staff, borealis):
    assert csv_rows(download(client, staff, "/equipment/export.csv"))[1:] == [BOREALIS_ROW, *ACME_ROWS]
    filtered = csv_rows(download(client, staff, f"/equipment/export.csv?customer={borealis.pk}"))
    assert filtered[1:] == [BOREALIS_ROW]


def test_outsiders_get_none_of_acmes_rows(client, base, other_customer, other_partner, acme):
    for outsider in (other_customer, other_partner):
        assert csv_rows(download(client, outsider, "/equipment/export.csv"))[1:] == [BOREALIS_ROW]
        # Naming Acme is no way in: the filter's choice is refused and the reach stays the same.
        rows = xlsx_rows(download(client, outsider, f"/equipment/export.xlsx?customer={acme.pk}"))
        assert [row[0] for row in rows[1:]] == ["BO12CD34EF56"]


def test_an_inspector_is_refused_and_a_stranger_is_sent_to_sign_in(client, base, inspector):
    assert download(client, inspector, "/equipment/export.csv").status_code == 403
    assert download(client, inspector, "/equipment/export.xlsx").status_code == 403
    client.logout()
    response = client.get("/equipment/export.csv")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_an_unknown_format_is_not_found(client, base, customer):
    assert download(client, customer, "/equipment/export.pdf").status_code == 404


def test_the_page_links_to_both_downloads_with_its_filters(client, base, customer):
    page = text(download(client, customer, "/equipment/?vendor=juniper&eligible=no"))
    assert 'href="/equipment/export.csv?vendor=juniper&eligible=no"' in page
    assert 'href="/equipment/export.xlsx?vendor=juniper&eligible=no"' in page
    assert "Download CSV" in page and "Download XLSX" in page


def _register_many(user, count, start=0):
    for n in range(start, start + count):
        register(user, f"QQ{n:010d}")


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_the_query_count_does_not_grow_with_the_rows(client, partner, customer, acx2200, extension):
    client.force_login(partner)

    def download_counted() -> tuple[int, int]:
        """(queries, rows) of one download, the header not counted; each with the catalogue not
        yet kept (relicensing.selectors.catalogue_kept), as the first download was."""
        caches["local"].clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/equipment/export.{extension}")
            body = b"".join(response.streaming_content)
        if extension == "csv":
            rows = len(list(csv.reader(io.StringIO(body.decode("utf-8-sig")))))
        else:
            rows = load_workbook(io.BytesIO(body))["Equipment"].max_row
        return len(queries), rows - 1

    _register_many(customer, 5)
    queries_for_five, five = download_counted()
    _register_many(customer, 45, start=5)
    queries_for_fifty, fifty = download_counted()
    assert (five, fifty) == (5, 50)
    assert queries_for_five == queries_for_fifty


def test_a_spreadsheet_over_the_ceiling_is_offered_in_the_background_and_csv_still_streams(
    client, base, customer, monkeypatch
):
    # Acme has 3 registrations in `base`; with a ceiling of 2 the XLSX is offered as a background
    # job (a button: following the link starts nothing), the CSV streams at once.
    from relicensing import exports
    from relicensing.models import ExportJob

    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 2)
    response = download(client, customer, "/equipment/export.xlsx?eligible=")
    assert response.status_code == 200
    page = text(response)
    assert "This list has 3 rows." in page
    assert 'action="/exports/"' in page
    assert 'name="kind" value="equipment"' in page
    assert 'name="query" value="eligible="' in page
    assert 'href="/equipment/export.csv?eligible="' in page
    assert ExportJob.objects.count() == 0
    assert len(csv_rows(download(client, customer, "/equipment/export.csv"))) == 4  # header + 3
