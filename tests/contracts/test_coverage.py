"""The bulk coverage check, through the API and its page: up to 1,000 serials, each covered or
not, until when and by which contract, for the caller's reach only. Time is Friday 20 November
2026 (frozen_friday)."""

import datetime as dt

import pytest

from contracts.models import Contract, ContractLine
from tests.relicensing.registering import register, text

pytestmark = pytest.mark.django_db

URL = "/api/v1/coverage-check/"


def contract_of(
    owner,
    number,
    serials,
    *,
    starts_on=dt.date(2026, 6, 1),
    ends_on=dt.date(2027, 5, 31),
    channel="secondary_market",
):
    """A contract of `owner` (a user) over these serials, registered to its organisation as
    acquired through `channel`. (Also used by the RMA and take-back tests.)"""
    contract = Contract.objects.create(
        number=number,
        owner=owner.organization,
        site_name="Main office",
        site_address="1 Network Way",
        site_country="GB",
        starts_on=starts_on,
        ends_on=ends_on,
        sales_order=number.replace("CT", "SO"),
    )
    for serial in serials:
        unit = register(owner, serial, acquisition_channel=channel).equipment
        ContractLine.objects.create(contract=contract, equipment=unit)
    return contract


@pytest.fixture
def contracts(frozen_friday, acx2200, customer, other_customer):
    """Acme: JN11AC220001 and JN11AC220002 covered to 31 May 2027, JN11AC220003 on a contract that
    expired on 31 October 2026, JN11AC220004 on one starting 1 January 2027. Borealis:
    JN11BO000001 covered to 30 June 2027."""
    contract_of(customer, "CT-2026-000001", ["JN11AC220001", "JN11AC220002"])
    contract_of(
        customer,
        "CT-2025-000007",
        ["JN11AC220003"],
        starts_on=dt.date(2025, 11, 1),
        ends_on=dt.date(2026, 10, 31),
    )
    contract_of(
        customer,
        "CT-2026-000009",
        ["JN11AC220004"],
        starts_on=dt.date(2027, 1, 1),
        ends_on=dt.date(2027, 12, 31),
    )
    contract_of(other_customer, "CT-2026-000002", ["JN11BO000001"], ends_on=dt.date(2027, 6, 30))


def check(client, serials, vendor="juniper"):
    return client.post(URL, {"vendor": vendor, "serial_numbers": serials}, format="json")


NOT_COVERED = {"covered": False, "contract": None, "ends_on": None}


def test_the_customer_sees_its_own_coverage_and_nothing_of_anyone_elses(api_as, customer, contracts):
    answer = check(
        api_as(customer),
        [" jn11 ac22 0001", "JN11AC220003", "JN11AC220004", "JN11BO000001", "JN11ZZ999999", "JN11AC220001"],
    )
    assert answer.status_code == 200
    assert answer.json() == [
        {
            "serial_number": "JN11AC220001",
            "covered": True,
            "contract": "CT-2026-000001",
            "ends_on": "2027-05-31",
        },
        {"serial_number": "JN11AC220003", **NOT_COVERED},  # its contract expired on 31 October
        {"serial_number": "JN11AC220004", **NOT_COVERED},  # its contract starts on 1 January
        {"serial_number": "JN11BO000001", **NOT_COVERED},  # Borealis's contract: never revealed
        {"serial_number": "JN11ZZ999999", **NOT_COVERED},  # nobody knows it
    ]


def test_a_partner_sees_its_customers_coverage_and_staff_see_all(
    api_as, partner, other_partner, staff, contracts
):
    serials = ["JN11AC220002", "JN11BO000001"]
    acme = {
        "serial_number": "JN11AC220002",
        "covered": True,
        "contract": "CT-2026-000001",
        "ends_on": "2027-05-31",
    }
    borealis = {
        "serial_number": "JN11BO000001",
        "covered": True,
        "contract": "CT-2026-000002",
        "ends_on": "2027-06-30",
    }
    assert check(api_as(partner), serials).json() == [acme, {"serial_number": "JN11BO000001", **NOT_COVERED}]
    assert check(api_as(other_partner), serials).json() == [
        {"serial_number": "JN11AC220002", **NOT_COVERED},
        borealis,
    ]
    assert check(api_as(staff), serials).json() == [acme, borealis]


def test_another_customer_learns_nothing_of_acmes_contract(api_as, other_customer, contracts):
    # The outsider: Acme's covered serial reads exactly as a serial nobody has.
    assert check(api_as(other_customer), ["JN11AC220001"]).json() == [
        {"serial_number": "JN11AC220001", **NOT_COVERED}
    ]


def test_a_serial_of_another_vendor_is_not_covered(api_as, customer, contracts, cisco):
    assert check(api_as(customer), ["JN11AC220001"], vendor="cisco").json() == [
        {"serial_number": "JN11AC220001", **NOT_COVERED}
    ]


def test_more_than_1000_serials_or_none_is_a_400(api_as, customer, contracts):
    client = api_as(customer)
    over = check(client, [f"JN11AC{n:06d}" for n in range(1001)])
    assert over.status_code == 400
    assert list(over.json()) == ["serial_numbers"]
    assert check(client, [f"JN11AC{n:06d}" for n in range(1000)]).status_code == 200
    assert check(client, []).status_code == 400
    blank = check(client, ["  ", ""])
    assert (blank.status_code, blank.json()) == (
        400,
        {"serial_numbers": ["Enter at least one serial number."]},
    )
    assert check(client, ["JN11AC220001"], vendor="nokia").status_code == 400


def test_signed_out_callers_are_refused(api, contracts):
    assert check(api, ["JN11AC220001"]).status_code in (401, 403)


def test_the_check_costs_the_same_queries_for_1_and_1000_serials(
    api_as, customer, contracts, django_assert_num_queries
):
    client = api_as(customer)
    check(client, ["JN11AC220001"])  # warm the session and the vendor
    # The vendor, then the covering lines in the caller's reach; a savepoint and its release
    # around them (the request's transaction).
    with django_assert_num_queries(4):
        assert check(client, ["JN11AC220001"]).status_code == 200
    with django_assert_num_queries(4):
        assert check(client, ["JN11AC220001"] + [f"JN11AC{n:06d}" for n in range(999)]).status_code == 200


# --- the page ---------------------------------------------------------------------------------
def test_the_page_shows_each_serial_covered_or_not(client, customer, contracts):
    client.force_login(customer)
    assert "Which serials are under contract?" in text(client.get("/contracts/coverage/"))
    page = text(
        client.post(
            "/contracts/coverage/",
            {"vendor": "juniper", "serials": "jn11ac220001, JN11AC220003\nJN11BO000001"},
        )
    )
    assert '<span class="stat-n">3</span><span class="stat-l">serials checked</span>' in page
    assert '<span class="stat-n stat-ok">1</span><span class="stat-l">covered</span>' in page
    rows = page.split("<tbody>")[1].split("</tbody>")[0]
    assert (
        '<code>JN11AC220001</code></td><td><span class="badge badge-ok">Covered</span></td><td>31 May 2027</td>'
        in rows
    )
    assert 'href="/contracts/CT-2026-000001/">CT-2026-000001</a>' in rows
    assert (
        '<code>JN11AC220003</code></td><td><span class="badge badge-danger">Not covered</span></td><td>—</td><td>—</td>'
        in rows
    )
    assert '<code>JN11BO000001</code></td><td><span class="badge badge-danger">Not covered</span>' in rows
    assert "CT-2026-000002" not in page  # Borealis's contract


def test_the_page_downloads_the_same_answer_as_csv(client, customer, contracts):
    client.force_login(customer)
    response = client.post(
        "/contracts/coverage/",
        {"vendor": "juniper", "serials": "JN11AC220002\nJN11AC220004\nJN11BO000001", "format": "csv"},
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="coverage-juniper.csv"'
    assert response.content.decode().splitlines() == [
        "serial_number,covered,contract,ends_on",
        "JN11AC220002,yes,CT-2026-000001,2027-05-31",
        "JN11AC220004,no,,",
        "JN11BO000001,no,,",
    ]


def test_the_page_refuses_more_than_1000_beside_the_field(client, customer, contracts):
    client.force_login(customer)
    pasted = "\n".join(f"JN11AC{n:06d}" for n in range(1001))
    page = text(client.post("/contracts/coverage/", {"vendor": "juniper", "serials": pasted}))
    assert "1,001 serials; one check takes at most 1,000. Split the list and check it in parts." in page
    assert "<tbody>" not in page


def test_the_page_needs_a_sign_in(client):
    response = client.get("/contracts/coverage/")
    assert response.status_code == 302 and "/login" in response["Location"]
