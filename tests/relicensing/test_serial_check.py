"""The buyer's serial check through the API, before anything is paid."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contracts.models import Contract, ContractLine
from relicensing.models import Equipment
from tests.factories import ProductFactory, VendorFactory

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


def test_a_serial_registered_by_another_organisation_warns_of_a_dispute(
    api_as, customer, other_customer, acx2200
):
    register(api_as(customer), "AB12CD34EF56")
    body = check(api_as(other_customer), vendor="juniper", serial_number=" ab12cd34ef56 ").json()
    assert body == {
        "vendor": "juniper",
        "serial_number": "AB12CD34EF56",
        "format_valid": True,
        "known": True,
        "registered_elsewhere": True,
        "product": "ACX2200",
        "end_of_support": "2035-01-01",
        "compliance_hold": False,
        "reported_lost_or_stolen": False,
        "counterfeit": False,
        "under_contract": False,
        "eligible": False,
        "path": "none",
        "reasons": ["ownership_dispute"],
    }


def test_the_owner_checking_its_own_serial_sees_it_clean(api_as, customer, acx2200):
    client = api_as(customer)
    register(client, "AB12CD34EF56")
    body = check(client, vendor="juniper", serial_number="AB12CD34EF56").json()
    assert (body["known"], body["registered_elsewhere"], body["format_valid"]) == (True, False, True)
    assert (body["eligible"], body["path"], body["reasons"]) == (True, "inspection", [])


def test_a_disputed_serial_is_elsewhere_for_both_claimants(api_as, customer, other_customer, acx2200):
    register(api_as(customer), "AB12CD34EF56")
    register(api_as(other_customer), "AB12CD34EF56")
    for user in (customer, other_customer):
        body = check(api_as(user), vendor="juniper", serial_number="AB12CD34EF56").json()
        assert (body["registered_elsewhere"], body["eligible"]) == (True, False)
        assert body["reasons"] == ["ownership_dispute"]


def test_a_partner_checks_for_the_customers_it_serves(api_as, partner, other_partner, customer, acx2200):
    register(api_as(customer), "AB12CD34EF56")  # Acme, which NetReseller serves and Polar does not
    for who, elsewhere in ((partner, False), (other_partner, True)):
        body = check(api_as(who), vendor="juniper", serial_number="AB12CD34EF56").json()
        assert (body["registered_elsewhere"], body["eligible"]) == (elsewhere, not elsewhere), who.username
        assert body["reasons"] == (["ownership_dispute"] if elsewhere else []), who.username


def test_staff_buy_nothing_so_every_registration_is_elsewhere(api_as, staff, customer, acx2200):
    register(api_as(customer), "AB12CD34EF56")
    body = check(api_as(staff), vendor="juniper", serial_number="AB12CD34EF56").json()
    assert (body["registered_elsewhere"], body["eligible"], body["reasons"]) == (
        True,
        False,
        ["ownership_dispute"],
    )


def test_a_malformed_serial_is_never_eligible(api_as, customer, acx2200):
    client = api_as(customer)
    blind = check(client, vendor="juniper", serial_number="bad-one").json()
    assert blind["serial_number"] == "BAD-ONE"
    assert (blind["format_valid"], blind["known"], blind["registered_elsewhere"]) == (False, False, False)
    assert (blind["eligible"], blind["path"], blind["reasons"]) == (False, "none", ["unknown_product"])
    # Named with a model the catalog knows, nothing else stands against it, and still not eligible.
    offered = check(client, vendor="juniper", serial_number="bad-one", product="ACX2200").json()
    assert (offered["format_valid"], offered["eligible"], offered["path"], offered["reasons"]) == (
        False,
        False,
        "none",
        [],
    )


def test_a_well_formed_unknown_serial_is_valid_and_unknown(api_as, customer, acx2200):
    body = check(api_as(customer), vendor="juniper", serial_number="JN11AC220001", product="ACX2200").json()
    assert (body["format_valid"], body["known"], body["registered_elsewhere"]) == (True, False, False)
    assert (body["eligible"], body["path"]) == (True, "inspection")


def test_the_schema_documents_the_new_fields(api_as, customer):
    schema = api_as(customer).get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    answer = schema["paths"]["/api/v1/serial-check/"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]
    component = answer["schema"]["$ref"].rsplit("/", 1)[-1]
    fields = schema["components"]["schemas"][component]["properties"]
    assert {"known", "format_valid", "registered_elsewhere", "eligible", "reasons"} <= set(fields)


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


# --- the serial rule in words, wherever a serial is refused ----------------------------
JUNIPER_RULE = "Juniper Networks serials are 12 letters and digits, like JN11AC220001."
CISCO_REFUSAL = (
    "FOC12 is not a Cisco Systems serial number: Cisco Systems serials are 11 characters: "
    "3 letters, 4 digits, then 4 letters or digits, like FOC1234X0AB."
)


def no_pattern(message: str) -> bool:
    return not any(mark in message for mark in ("^", "$", "[A-Z", "{", "\\", "pattern"))


def test_registration_refuses_a_serial_with_the_rule_in_words(api_as, customer, cisco):
    ProductFactory(vendor=cisco, model="ISR4331")
    response = api_as(customer).post(
        "/api/v1/equipment/",
        {
            "vendor": "cisco",
            "serial_number": "foc12",
            "product": "ISR4331",
            "acquisition_channel": "secondary_market",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"serial_number": [CISCO_REFUSAL]}
    assert no_pattern(CISCO_REFUSAL)


def test_a_hold_on_a_malformed_serial_is_refused_in_words(api_as, staff, juniper):
    response = api_as(staff).post(
        "/api/v1/compliance-holds/",
        {"vendor": "juniper", "serial_number": "bad-one", "reason": "Fraud report"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "serial_number": [f"BAD-ONE is not a Juniper Networks serial number: {JUNIPER_RULE}"]
    }


def test_an_import_row_is_refused_with_the_rule_in_words(api_as, customer, acx2200):
    content = "vendor,serial_number,product,acquisition_channel\njuniper,bad-one,ACX2200,secondary_market\n"
    response = api_as(customer).post(
        "/api/v1/equipment/import/",
        {"file": SimpleUploadedFile("serials.csv", content.encode())},
        format="multipart",
    )
    [rejected] = response.json()["rejected"]
    assert rejected["errors"] == [
        f"serial_number: BAD-ONE is not a Juniper Networks serial number: {JUNIPER_RULE}"
    ]


def test_a_vendor_without_words_gets_advice_not_its_pattern(api_as, customer):
    VendorFactory(slug="arista", name="Arista Networks", serial_pattern=r"^[A-Z]{3}[0-9]{8}$")
    response = api_as(customer).post(
        "/api/v1/equipment/",
        {
            "vendor": "arista",
            "serial_number": "x1",
            "product": "7050SX",
            "acquisition_channel": "secondary_market",
        },
        format="json",
    )
    [message] = response.json()["serial_number"]
    assert message == (
        "X1 is not an Arista Networks serial number. "
        "Copy the serial exactly as printed on the Arista Networks label on the chassis."
    )


def test_an_example_alone_is_shown_as_the_shape_to_expect(api_as, customer):
    VendorFactory(slug="nokia", name="Nokia", serial_pattern=r"^NS[0-9]{8}$", serial_example="NS12345678")
    response = api_as(customer).post(
        "/api/v1/equipment/",
        {
            "vendor": "nokia",
            "serial_number": "x1",
            "product": "7750",
            "acquisition_channel": "secondary_market",
        },
        format="json",
    )
    assert response.json() == {
        "serial_number": ["X1 is not a Nokia serial number: A Nokia serial looks like NS12345678."]
    }


def test_vendors_say_their_serial_rule_in_words(api_as, customer, juniper, cisco):
    vendors = {v["slug"]: v for v in api_as(customer).get("/api/v1/vendors/").json()["results"]}
    assert (vendors["juniper"]["serial_format"], vendors["juniper"]["serial_example"]) == (
        "12 letters and digits",
        "JN11AC220001",
    )
    assert (vendors["cisco"]["serial_format"], vendors["cisco"]["serial_example"]) == (
        "11 characters: 3 letters, 4 digits, then 4 letters or digits",
        "FOC1234X0AB",
    )
