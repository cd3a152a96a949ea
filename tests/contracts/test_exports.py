"""The contracts export: one row per serial on a contract, with the contract's owner, coverage,
status and sales order, as CSV and XLSX; found as on the contracts page, for each reader
(outsiders included), formula-like cells neutralised, queries not growing with the rows."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from contracts.models import Contract, ContractLine
from tests.relicensing.registering import register, text

pytestmark = pytest.mark.django_db

HEADER = [
    "Contract",
    "Owner",
    "Site",
    "Starts on",
    "Ends on",
    "Status",
    "Sales order",
    "Serial",
    "Vendor",
    "Product",
]


def contract(owner, number, starts_on, ends_on, units, site="Main hall") -> Contract:
    made = Contract.objects.create(
        number=number,
        owner=owner,
        site_name=site,
        site_address="1 Quay Street",
        site_country="GB",
        starts_on=starts_on,
        ends_on=ends_on,
        sales_order=number.replace("CT", "SO"),
    )
    for registration in units:
        ContractLine.objects.create(contract=made, equipment=registration.equipment)
    return made


@pytest.fixture
def contracts(customer, other_customer, acme, borealis, acx2200, old_cisco, time_machine):
    """On Monday 7 December 2026: Acme has an active contract with two serials, an expired one
    with one and one starting next year with none; Borealis has an active one."""
    time_machine.move_to(dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC), tick=False)
    ab = register(customer, "AB12CD34EF56")
    yy = register(customer, "YY12CD34EF56")
    foc = register(customer, "FOC1234X56Y", vendor="cisco", product="WS-C3750X-48P")
    bo = register(other_customer, "BO12CD34EF56")
    contract(acme, "CT-2026-000001", dt.date(2026, 1, 10), dt.date(2027, 1, 9), [yy, ab])
    contract(
        acme, "CT-2025-000002", dt.date(2025, 1, 1), dt.date(2025, 12, 31), [foc], site="=cmd|' /C calc'!A0"
    )
    contract(acme, "CT-2027-000003", dt.date(2027, 2, 1), dt.date(2028, 1, 31), [])
    contract(borealis, "CT-2026-000004", dt.date(2026, 6, 1), dt.date(2027, 5, 31), [bo])


FUTURE = ["CT-2027-000003", "Acme Networks", "Main hall", "2027-02-01", "2028-01-31", "Starts later"]
FUTURE_ROW = [*FUTURE, "SO-2027-000003", "", "", ""]
ACTIVE = [
    "CT-2026-000001",
    "Acme Networks",
    "Main hall",
    "2026-01-10",
    "2027-01-09",
    "Active",
    "SO-2026-000001",
]
ACTIVE_ROWS = [
    [*ACTIVE, "AB12CD34EF56", "Juniper Networks", "ACX2200"],
    [*ACTIVE, "YY12CD34EF56", "Juniper Networks", "ACX2200"],
]
EXPIRED_ROW = [
    "CT-2025-000002",
    "Acme Networks",
    "'=cmd|' /C calc'!A0",
    "2025-01-01",
    "2025-12-31",
    "Expired",
    "SO-2025-000002",
    "FOC1234X56Y",
    "Cisco Systems",
    "WS-C3750X-48P",
]
BOREALIS_ROW = [
    "CT-2026-000004",
    "Borealis Data",
    "Main hall",
    "2026-06-01",
    "2027-05-31",
    "Active",
    "SO-2026-000004",
    "BO12CD34EF56",
    "Juniper Networks",
    "ACX2200",
]
ACME_ROWS = [FUTURE_ROW, *ACTIVE_ROWS, EXPIRED_ROW]


def download(client, user, url):
    client.force_login(user)
    return client.get(url)


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def xlsx_rows(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Contracts"]
    return [[cell if cell is not None else "" for cell in row] for row in sheet.iter_rows(values_only=True)]


def test_a_customer_downloads_its_contracts_one_row_per_serial(client, contracts, customer):
    response = download(client, customer, "/contracts/export.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="contracts-2026-12-07.csv"'
    assert csv_rows(response) == [HEADER, *ACME_ROWS]


def test_the_workbook_holds_the_same_rows_with_dates_as_dates(client, contracts, customer):
    response = download(client, customer, "/contracts/export.xlsx")
    assert 'filename="contracts-2026-12-07.xlsx"' in response["Content-Disposition"]
    rows = xlsx_rows(response)
    assert rows[0] == HEADER
    assert rows[2] == [
        "CT-2026-000001",
        "Acme Networks",
        "Main hall",
        dt.datetime(2026, 1, 10),
        dt.datetime(2027, 1, 9),
        "Active",
        "SO-2026-000001",
        "AB12CD34EF56",
        "Juniper Networks",
        "ACX2200",
    ]
    assert [row[0] for row in rows[1:]] == [
        "CT-2027-000003",
        "CT-2026-000001",
        "CT-2026-000001",
        "CT-2025-000002",
    ]


def test_a_formula_like_site_is_text(client, contracts, customer):
    sheet = load_workbook(io.BytesIO(b"".join(download(client, customer, "/contracts/export.xlsx"))))[
        "Contracts"
    ]
    assert sheet["C5"].value == "'=cmd|' /C calc'!A0"
    assert sheet["C5"].data_type == "s"


def test_the_page_search_applies(client, contracts, customer):
    def found(query):
        return csv_rows(download(client, customer, f"/contracts/export.csv?q={query}"))[1:]

    assert found("SO-2025-000002") == [EXPIRED_ROW]
    assert found("ct-2026-000001") == ACTIVE_ROWS
    assert found("%20yy12cd34ef56%20") == ACTIVE_ROWS  # a serial finds its contract with every line
    assert found("CT-2026-000004") == []  # Borealis's, not Acme's


def test_a_partner_gets_the_contracts_of_the_customers_it_serves(client, contracts, partner):
    assert csv_rows(download(client, partner, "/contracts/export.csv"))[1:] == ACME_ROWS


def test_staff_get_every_contract(client, contracts, staff):
    rows = csv_rows(download(client, staff, "/contracts/export.csv"))[1:]
    assert rows == [FUTURE_ROW, BOREALIS_ROW, *ACTIVE_ROWS, EXPIRED_ROW]


def test_outsiders_get_none_of_acmes_rows(client, contracts, other_customer, other_partner):
    for outsider in (other_customer, other_partner):
        assert csv_rows(download(client, outsider, "/contracts/export.csv"))[1:] == [BOREALIS_ROW]
        assert xlsx_rows(download(client, outsider, "/contracts/export.xlsx?q=CT-2026-000001")) == [HEADER]


def test_an_inspector_is_refused(client, contracts, inspector):
    assert download(client, inspector, "/contracts/export.csv").status_code == 403
    assert download(client, inspector, "/contracts/export.xlsx").status_code == 403


def test_the_list_page_links_to_both_downloads_with_its_search(client, contracts, customer):
    page = text(download(client, customer, "/contracts/?q=SO-2025-000002"))
    assert 'href="/contracts/export.csv?q=SO-2025-000002"' in page
    assert 'href="/contracts/export.xlsx?q=SO-2025-000002"' in page


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_the_query_count_does_not_grow_with_the_rows(client, partner, customer, acme, acx2200, extension):
    client.force_login(partner)

    def download_counted() -> tuple[int, int]:
        """(queries, rows) of one download, the header not counted."""
        with CaptureQueriesContext(connection) as queries:
            body = b"".join(client.get(f"/contracts/export.{extension}").streaming_content)
        if extension == "csv":
            rows = len(list(csv.reader(io.StringIO(body.decode("utf-8-sig")))))
        else:
            rows = load_workbook(io.BytesIO(body))["Contracts"].max_row
        return len(queries), rows - 1

    def contracts_of_five(first: int, count: int) -> None:
        for n in range(first, first + count):
            units = [register(customer, f"QQ{n:05d}{k:05d}") for k in range(5)]
            contract(acme, f"CT-2026-{n:06d}", dt.date(2026, 1, 1), dt.date(2027, 1, 1), units)

    contracts_of_five(1, 1)
    queries_for_five, five = download_counted()
    contracts_of_five(2, 9)
    queries_for_fifty, fifty = download_counted()
    assert (five, fifty) == (5, 50)
    assert queries_for_five == queries_for_fifty


def test_a_workbook_over_the_ceiling_is_offered_in_the_background(client, contracts, customer, monkeypatch):
    from relicensing import exports

    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 1)
    response = download(client, customer, "/contracts/export.xlsx?q=CT-2026-000001")
    assert response.status_code == 200
    page = response.content.decode()
    assert "This list has 2 rows." in page
    assert 'name="kind" value="contracts"' in page
    assert 'name="query" value="q=CT-2026-000001"' in page
    assert "Download as CSV now" in page
