"""The buyer's serial check through the API, before anything is paid."""

import datetime as dt

import pytest

from contracts.models import Contract, ContractLine
from relicensing.models import Equipment

pytestmark = pytest.mark.django_db


def check(client, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.get(f"/api/v1/serial-check/?{query}")


def register(client, serial, **extra):
    body = {
        "vendor": "juniper",
        "serial_number": serial,
        "product": "ACX2200",
        "acquisition_channel": "secondary_market",
    }
    return client.post("/api/v1/equipment/", {**body, **extra}, format="json")


def test_a_clean_registered_serial(api_as, customer, other_customer, acx2200):
    register(api_as(customer), "AB12CD34EF56")
    body = check(api_as(other_customer), vendor="juniper", serial_number=" ab12cd34ef56 ").json()
    assert body == {
        "vendor": "juniper",
        "serial_number": "AB12CD34EF56",
        "known": True,
        "product": "ACX2200",
        "end_of_support": "2035-01-01",
        "compliance_hold": False,
        "reported_lost_or_stolen": False,
        "counterfeit": False,
        "under_contract": False,
        "eligible": True,
        "path": "inspection",
        "reasons": [],
    }


def test_an_unknown_serial_is_judged_on_the_model_offered(api_as, customer, acx2200):
    client = api_as(customer)
    blind = check(client, vendor="juniper", serial_number="ZZ12CD34EF56").json()
    assert (blind["known"], blind["eligible"], blind["reasons"]) == (False, False, ["unknown_product"])
    offered = check(client, vendor="juniper", serial_number="ZZ12CD34EF56", product="ACX2200").json()
    assert (offered["known"], offered["eligible"], offered["product"]) == (False, True, "ACX2200")


def test_hold_flags_and_contract_show_up(api_as, customer, staff, acx2200):
    registration = register(api_as(customer), "AB12CD34EF56").json()
    staff_client = api_as(staff)
    staff_client.post(
        "/api/v1/compliance-holds/",
        {"vendor": "juniper", "serial_number": "AB12CD34EF56", "reason": "Fraud report"},
        format="json",
    )
    for flag in ("lost_or_stolen", "counterfeit"):
        staff_client.post(f"/api/v1/equipment/{registration['id']}/flags/", {"flag": flag}, format="json")
    contract = Contract.objects.create(
        number="C-1",
        owner=customer.organization,
        site_name="HQ",
        site_address="1 Main St",
        site_country="GB",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2099, 1, 1),
        sales_order="SO-1",
    )
    ContractLine.objects.create(contract=contract, equipment=Equipment.objects.get())
    body = check(api_as(customer), vendor="juniper", serial_number="AB12CD34EF56").json()
    assert body["compliance_hold"] and body["reported_lost_or_stolen"] and body["counterfeit"]
    assert body["under_contract"] is True
    assert body["reasons"] == ["reported_lost_or_stolen", "counterfeit", "compliance_hold"]


def test_past_end_of_support(api_as, customer, old_cisco):
    body = check(
        api_as(customer), vendor="cisco", serial_number="FOC1234X56Y", product="WS-C3750X-48P"
    ).json()
    assert body["reasons"] == ["end_of_support"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"serial_number": "X"}, "vendor"),
        ({"vendor": "juniper"}, "serial_number"),
        ({"vendor": "nope", "serial_number": "X"}, "vendor"),
    ],
)
def test_missing_or_unknown_parameters_are_a_400(api_as, customer, juniper, params, field):
    response = check(api_as(customer), **params)
    assert response.status_code == 400
    assert field in response.json()


def test_whitespace_only_serial_is_a_400(api_as, customer, juniper):
    response = check(api_as(customer), vendor="juniper", serial_number="%20%20")
    assert response.status_code == 400
