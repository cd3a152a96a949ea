"""Quotes through the API: exact totals from the price book, add-ons, supersede, accept,
expiry with time frozen, and the PDF."""

import datetime as dt
from decimal import Decimal

import pytest

from contracts.choices import QuoteStatus
from contracts.models import Quote, SkuProduct
from contracts.services.quotes import quotes_expire
from notices.models import Notice
from relicensing.models import Request
from tests.relicensing.test_requests_api import SITE

pytestmark = pytest.mark.django_db


@pytest.fixture
def today(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC), tick=False)
    return dt.date(2026, 11, 20)


def register(client, serial, product="ACX2200"):
    body = {
        "vendor": "juniper",
        "serial_number": serial,
        "product": product,
        "acquisition_channel": "secondary_market",
    }
    return client.post("/api/v1/equipment/", body, format="json").json()["id"]


@pytest.fixture
def request_for(api_as, customer, today):
    def open_with(*products):
        client = api_as(customer)
        ids = [register(client, f"AB12CD34E{n:03d}", product) for n, product in enumerate(products)]
        body = {"site": SITE, "equipment": ids, "preferred_inspection_date": "2026-12-07"}
        response = client.post("/api/v1/requests/", body, format="json")
        assert response.status_code == 201, response.json()
        return response.json()

    return open_with


def issue(client, request_id, addons=()):
    return client.post(f"/api/v1/requests/{request_id}/quotes/", {"addons": list(addons)}, format="json")


def test_one_acx2200_is_exactly_3437(api_as, partner, acx2200, request_for):
    request = request_for("ACX2200")
    response = issue(api_as(partner), request["id"])
    assert response.status_code == 201, response.json()
    quote = response.json()
    assert quote["total"] == "3437.00"
    assert quote["currency"] == "USD"
    assert quote["status"] == "issued"
    assert quote["valid_until"] == "2026-12-20"  # vendor policy: 30 days
    assert [(line["kind"], line["unit_price"], line["amount"]) for line in quote["lines"]] == [
        ("inspection", "1000.00", "1000.00"),
        ("support_year", "437.00", "437.00"),
        ("os_license", "2000.00", "2000.00"),
    ]
    assert all(line["non_refundable"] and line["serial_number"] == "AB12CD34E000" for line in quote["lines"])
    assert Request.objects.get().status == "quoted"


def test_fees_are_per_chassis_and_add_ons_at_list_price(api_as, partner, qfx5100, request_for):
    request = request_for("QFX5100", "QFX5100")
    first = request["items"][0]["equipment"]
    quote = issue(
        api_as(partner), request["id"], [{"equipment": first, "sku": "QFX5K-C1-AFL", "quantity": 2}]
    ).json()
    per_chassis = Decimal("1000.00") + Decimal("437.00") + Decimal("2000.00")
    assert Decimal(quote["total"]) == 2 * per_chassis + 2 * Decimal("2950.00")
    [addon] = [line for line in quote["lines"] if line["sku"] == "QFX5K-C1-AFL"]
    assert (addon["quantity"], addon["unit_price"], addon["amount"]) == (2, "2950.00", "5900.00")


@pytest.mark.parametrize(
    ("addon", "message"),
    [
        ({"equipment": 999999, "sku": "QFX5K-C1-AFL"}, "is not in this request"),
        ({"sku": "NOPE-1"}, "no SKU NOPE-1"),
        ({"sku": "QFX5K-C1-AFL", "quantity": 0}, "quantity"),
    ],
)
def test_bad_add_ons_are_named(api_as, partner, qfx5100, request_for, addon, message):
    request = request_for("QFX5100")
    body = {"equipment": request["items"][0]["equipment"], **addon}
    response = issue(api_as(partner), request["id"], [body])
    assert response.status_code == 400
    assert message in str(response.json())


def test_per_chassis_sku_is_not_an_add_on(api_as, partner, acx2200, request_for):
    request = request_for("ACX2200")
    code = acx2200.skus.get(kind="inspection").code
    response = issue(
        api_as(partner), request["id"], [{"equipment": request["items"][0]["equipment"], "sku": code}]
    )
    assert response.status_code == 400
    assert "add-ons are add-on licences and subscriptions" in str(response.json())


def test_a_product_missing_a_fee_sku_is_named(api_as, partner, acx2200, request_for):
    request = request_for("ACX2200")
    SkuProduct.objects.filter(product=acx2200, kind="support_year").delete()
    response = issue(api_as(partner), request["id"])
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "missing_sku"
    assert (body["product"], body["kinds"]) == ("ACX2200", ["support_year"])
    assert "ACX2200" in body["detail"] and "one year of support" in body["detail"]


def test_a_new_quote_supersedes_the_last_and_history_is_kept(api_as, partner, acx2200, request_for):
    request = request_for("ACX2200")
    client = api_as(partner)
    first = issue(client, request["id"]).json()
    second = issue(client, request["id"]).json()
    assert (first["number"].endswith("-1"), second["number"].endswith("-2")) == (True, True)
    assert client.get(f"/api/v1/quotes/{first['id']}/").json()["status"] == "superseded"
    detail = client.get(f"/api/v1/requests/{request['id']}/").json()
    assert detail["quote"] == second["id"]
    assert [q["status"] for q in detail["quotes"]] == ["issued", "superseded"]
    assert "superseding" in detail["timeline"][-1]["reason"]
    assert client.post(f"/api/v1/quotes/{first['id']}/accept/").status_code == 409


@pytest.mark.parametrize("who", ["customer", "partner"])
def test_customer_or_partner_accepts(api_as, everyone, acx2200, request_for, who):
    request = request_for("ACX2200")
    quote = issue(api_as(everyone["partner"]), request["id"]).json()
    response = api_as(everyone[who]).post(f"/api/v1/quotes/{quote['id']}/accept/")
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    assert Request.objects.get().status == "quote_accepted"
    again = api_as(everyone[who]).post(f"/api/v1/quotes/{quote['id']}/accept/")
    assert again.status_code == 409


def test_only_partner_or_staff_issue_quotes(api_as, customer, inspector, acx2200, request_for):
    request = request_for("ACX2200")
    refused = issue(api_as(customer), request["id"])
    assert refused.status_code == 403
    assert refused.json() == {
        "detail": "Quotes are issued by the customer's partner or programme staff.",
        "code": "permission_denied",
    }
    assert issue(api_as(inspector), request["id"]).status_code == 404  # not assigned: not visible


def test_staff_issue_quotes_and_cannot_accept(api_as, staff, acx2200, request_for):
    request = request_for("ACX2200")
    quote = issue(api_as(staff), request["id"]).json()
    assert quote["total"] == "3437.00"
    assert api_as(staff).post(f"/api/v1/quotes/{quote['id']}/accept/").status_code == 403


def test_no_quote_after_acceptance(api_as, partner, customer, acx2200, request_for):
    request = request_for("ACX2200")
    quote = issue(api_as(partner), request["id"]).json()
    api_as(customer).post(f"/api/v1/quotes/{quote['id']}/accept/")
    response = issue(api_as(partner), request["id"])
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_expiry_moves_the_request_back_and_is_safe_to_run_twice(
    api_as, partner, customer, acx2200, request_for, time_machine
):
    request = request_for("ACX2200")
    quote = issue(api_as(partner), request["id"]).json()
    time_machine.move_to(dt.datetime(2026, 12, 20, 12, tzinfo=dt.UTC), tick=False)
    assert quotes_expire() == 0  # valid through its last day
    time_machine.move_to(dt.datetime(2026, 12, 21, 12, tzinfo=dt.UTC), tick=False)
    assert quotes_expire() == 1
    assert quotes_expire() == 0
    assert Quote.objects.get().status == QuoteStatus.EXPIRED
    detail = api_as(customer).get(f"/api/v1/requests/{request['id']}/").json()
    assert detail["status"] == "submitted"
    assert detail["quote"] is None
    assert [(t["from"], t["to"], t["actor"]) for t in detail["timeline"][-1:]] == [
        ("quoted", "submitted", None)
    ]
    accept = api_as(customer).post(f"/api/v1/quotes/{quote['id']}/accept/")
    assert accept.status_code == 409


def test_accepting_a_quote_past_its_date_before_the_sweep_is_refused(
    api_as, partner, customer, acx2200, request_for, time_machine
):
    request = request_for("ACX2200")
    quote = issue(api_as(partner), request["id"]).json()
    time_machine.move_to(dt.datetime(2026, 12, 21, 9, tzinfo=dt.UTC), tick=False)
    response = api_as(customer).post(f"/api/v1/quotes/{quote['id']}/accept/")
    assert response.status_code == 409
    assert response.json()["code"] == "quote_expired"


def test_quote_pdf(api_as, partner, customer, acx2200, request_for):
    request = request_for("ACX2200")
    quote = issue(api_as(partner), request["id"]).json()
    response = api_as(customer).get(f"/api/v1/quotes/{quote['id']}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert quote["number"] in response["Content-Disposition"]


def test_outsiders_get_404_on_quotes(api_as, partner, other_customer, other_partner, acx2200, request_for):
    request = request_for("ACX2200")
    quote = issue(api_as(partner), request["id"]).json()
    for outsider in (other_customer, other_partner):
        client = api_as(outsider)
        assert client.get(f"/api/v1/quotes/{quote['id']}/").status_code == 404
        assert client.get(f"/api/v1/quotes/{quote['id']}/pdf/").status_code == 404
        assert client.post(f"/api/v1/quotes/{quote['id']}/accept/").status_code == 404


def test_notices_go_to_the_customer_and_its_partner(
    api_as, partner, customer, acx2200, request_for, django_capture_on_commit_callbacks
):
    request = request_for("ACX2200")
    issue(api_as(partner), request["id"])
    events = set(Notice.objects.values_list("event", "recipient__username"))
    assert {("request_submitted", "customer"), ("request_submitted", "partner")} <= events
    assert {("quote_issued", "customer"), ("quote_issued", "partner")} <= events


# --- the issuer's identity, reference and note ----------------------------------------
@pytest.fixture
def netreseller_on_record(netreseller, partner):
    """NetReseller's contact details as the demo has them, and its user's name."""
    netreseller.address = "12 Channel Street\nManchester M1 2AB"
    netreseller.country = "GB"
    netreseller.email = "quotes@netreseller.example"
    netreseller.phone = "+44 161 496 0123"
    netreseller.save()
    partner.first_name, partner.last_name = "Priya", "Natarajan"
    partner.save()
    return netreseller


def test_reference_and_note_round_trip_with_the_issuer_named(
    api_as, partner, customer, netreseller_on_record, acx2200, request_for
):
    request = request_for("ACX2200")
    body = {
        "addons": [],
        "reference": "  NR-2026-0042 ",
        "note": "Inspection on the Leeds visit.\r\nCall first.",
    }
    response = api_as(partner).post(f"/api/v1/requests/{request['id']}/quotes/", body, format="json")
    assert response.status_code == 201, response.json()
    issued = response.json()
    assert (issued["reference"], issued["note"]) == (
        "NR-2026-0042",
        "Inspection on the Leeds visit.\nCall first.",
    )
    assert issued["total"] == "3437.00"  # words on a quote never touch its prices
    assert issued["issuer"] == {
        "organization": netreseller_on_record.pk,
        "name": "NetReseller",
        "address": "12 Channel Street\nManchester M1 2AB",
        "country": "GB",
        "country_name": "United Kingdom",
        "email": "quotes@netreseller.example",
        "phone": "+44 161 496 0123",
        "issued_by": "Priya Natarajan",
    }
    seen = api_as(customer).get(f"/api/v1/quotes/{issued['id']}/").json()
    assert (seen["reference"], seen["note"], seen["issuer"]["name"]) == (
        "NR-2026-0042",
        "Inspection on the Leeds visit.\nCall first.",
        "NetReseller",
    )


def test_without_reference_or_note_both_are_empty(api_as, partner, acx2200, request_for):
    request = request_for("ACX2200")
    quote = issue(api_as(partner), request["id"]).json()
    assert (quote["reference"], quote["note"]) == ("", "")


def test_a_quote_staff_issue_is_from_the_programme_operator(api_as, staff, operator, acx2200, request_for):
    operator.address, operator.country = "Vendor Park 1\nReading RG1 1AA", "GB"
    operator.email, operator.phone = "programme@relicensing.example", "+44 118 496 0999"
    operator.save()
    request = request_for("ACX2200")
    quote = issue(api_as(staff), request["id"]).json()
    assert quote["issuer"]["name"] == "Programme Operations"
    assert (quote["issuer"]["address"], quote["issuer"]["country_name"]) == (
        "Vendor Park 1\nReading RG1 1AA",
        "United Kingdom",
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("reference", "R" * 65, "A reference is at most 64 characters; this one has 65."),
        (
            "reference",
            "NR-1\nNR-2",
            "A reference is one line of text, without line breaks, tabs or control characters.",
        ),
        ("note", "n" * 1001, "A note is at most 1000 characters; this one has 1001."),
        ("note", "bell \x07", "A note is plain text: words and line breaks, without control characters."),
        ("note", "nul \x00", "Null characters are not allowed."),
    ],
)
def test_bad_reference_or_note_is_refused_on_its_field(
    api_as, partner, acx2200, request_for, field, value, message
):
    request = request_for("ACX2200")
    response = api_as(partner).post(
        f"/api/v1/requests/{request['id']}/quotes/", {field: value}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert not Quote.objects.exists()


def test_a_note_of_exactly_1000_characters_with_line_breaks_is_taken(api_as, partner, acx2200, request_for):
    note = ("x" * 99 + "\r\n") * 10  # 1,010 characters as sent, 999 once trimmed and CRLF made LF
    request = request_for("ACX2200")
    response = api_as(partner).post(
        f"/api/v1/requests/{request['id']}/quotes/", {"reference": "R" * 64, "note": note}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert len(response.json()["note"]) == 999


def test_a_customer_cannot_set_the_reference_or_note(api_as, partner, customer, acx2200, request_for):
    request = request_for("ACX2200")
    words = {"reference": "ACME-PO-1", "note": "Pay USD 1.00 only."}
    refused = api_as(customer).post(f"/api/v1/requests/{request['id']}/quotes/", words, format="json")
    assert refused.status_code == 403
    assert not Quote.objects.exists()

    quote = (
        api_as(partner)
        .post(
            f"/api/v1/requests/{request['id']}/quotes/",
            {"reference": "NR-7", "note": "As agreed."},
            format="json",
        )
        .json()
    )
    client = api_as(customer)
    for method in (client.patch, client.put):
        assert method(f"/api/v1/quotes/{quote['id']}/", words, format="json").status_code == 405
    accepted = client.post(f"/api/v1/quotes/{quote['id']}/accept/", words, format="json").json()
    assert (accepted["status"], accepted["reference"], accepted["note"], accepted["total"]) == (
        "accepted",
        "NR-7",
        "As agreed.",
        "3437.00",
    )
