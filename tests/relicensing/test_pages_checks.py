"""The buyer's serial check pages: one serial, and up to 10,000 pasted at once (also as CSV)."""

import csv
import io

import pytest

from relicensing.eligibility import REASONS
from relicensing.services import equipment as services
from tests.relicensing.registering import register, text

pytestmark = pytest.mark.django_db


def test_the_check_page_speaks_to_a_buyer(client, other_customer):
    client.force_login(other_customer)
    page = text(client.get("/serial-check/"))
    assert "Check a serial before you buy" in page
    assert "Stolen goods" in page  # the gray-market risks beside the form


def test_an_unregistered_serial_with_the_model_on_offer(client, other_customer, acx2200):
    client.force_login(other_customer)
    page = text(client.get("/serial-check/?vendor=juniper&serial_number=ab12cd34ef56&product=acx2200"))
    assert "AB12CD34EF56" in page and "nobody has registered it yet" in page
    assert "ACX2200" in page and "Eligible: inspection and relicensing" in page
    assert "Bought it? Register this serial" in page


def test_a_stolen_held_serial_shows_every_fact_and_reason(client, customer, other_customer, staff, acx2200):
    unit = register(customer).equipment
    services.equipment_flag_set(equipment=unit, flag="lost_or_stolen", note="", user=staff)
    services.hold_place(vendor=unit.vendor, serial_number=unit.serial_number, reason="Fraud", user=staff)
    client.force_login(other_customer)
    page = text(client.get("/serial-check/?vendor=juniper&serial_number=AB12CD34EF56"))
    facts = page.split('<table class="table checks">')[1].split("</table>")[0]
    for label in ("Known to the programme", "Product", "End of support", "Under a compliance hold",
                  "Reported lost or stolen", "Counterfeit", "Under an active service contract"):  # fmt: skip
        assert label in facts
    assert "1 Jan 2035" in facts
    for code in ("reported_lost_or_stolen", "compliance_hold"):
        assert REASONS[code].meaning in page and REASONS[code].next_step in page
    assert "Not eligible" in page


def test_an_unknown_model_is_a_field_error(client, customer, acx2200):
    client.force_login(customer)
    page = text(client.get("/serial-check/?vendor=juniper&serial_number=AB12CD34EF56&product=NOPE"))
    assert "NOPE is not a Juniper Networks model in the catalog" in page


ELIGIBLE_BADGE = '<span class="badge badge-ok">Eligible</span>'
NOT_ELIGIBLE_BADGE = '<span class="badge badge-danger">Not eligible</span>'
MALFORMED_BADGE = '<span class="badge badge-danger">Not a valid serial</span>'
ELSEWHERE_BADGE = '<span class="badge badge-warn">Registered by another organisation</span>'
BAD_ONE_REFUSAL = (
    "BAD-ONE is not a Juniper Networks serial number: "
    "Juniper Networks serials are 12 letters and digits, like JN11AC220001."
)
PATTERN_MARKS = ("^[A-Z0-9]", "{12}", "expected pattern")


def result_card(page: str) -> str:
    return page.split('<section class="card result"')[1].split("</section>")[0]


def test_a_malformed_serial_is_said_to_be_malformed_with_the_rule_in_words(client, customer, acx2200):
    client.force_login(customer)
    page = text(client.get("/serial-check/?vendor=juniper&serial_number=bad-one&product=ACX2200"))
    card = result_card(page)
    assert BAD_ONE_REFUSAL in card
    assert "Not a valid Juniper Networks serial" in card
    assert NOT_ELIGIBLE_BADGE in card and MALFORMED_BADGE in card
    assert ELIGIBLE_BADGE not in card and "Eligible: inspection and relicensing" not in card
    assert not any(mark in page for mark in PATTERN_MARKS)
    assert "Register this serial" not in card  # registration would refuse it


def test_a_serial_registered_elsewhere_warns_of_an_ownership_dispute(
    client, customer, other_customer, acx2200
):
    register(customer)
    client.force_login(other_customer)
    card = result_card(text(client.get("/serial-check/?vendor=juniper&serial_number=AB12CD34EF56")))
    assert "Another organisation has already registered this serial." in card
    assert "Buying it means an ownership dispute" in card
    assert "another organisation has registered it" in card
    assert NOT_ELIGIBLE_BADGE in card and ELSEWHERE_BADGE in card and ELIGIBLE_BADGE not in card
    assert REASONS["ownership_dispute"].title in card
    assert "Register this serial (this opens an ownership dispute)" in card


def test_the_owner_is_not_warned_about_its_own_registration(client, customer, acx2200):
    register(customer)
    client.force_login(customer)
    card = result_card(text(client.get("/serial-check/?vendor=juniper&serial_number=AB12CD34EF56")))
    assert "your organisation has registered it" in card
    assert ELIGIBLE_BADGE in card and ELSEWHERE_BADGE not in card
    assert "ownership dispute" not in card and "Register this serial" not in card


def test_a_model_not_named_is_not_called_missing_from_the_catalog(client, customer, acx2200):
    client.force_login(customer)
    card = result_card(text(client.get("/serial-check/?vendor=juniper&serial_number=JN11AC220001")))
    assert "Model not named" in card and "you did not name a model" in card
    assert "The product model given is not in this vendor's catalog" not in card
    assert NOT_ELIGIBLE_BADGE in card


def test_a_registered_unit_of_an_uncatalogued_model_says_so(client, customer, other_customer, acx2200):
    register(customer, product="MX-NOT-IN-CATALOG")
    client.force_login(other_customer)
    card = result_card(text(client.get("/serial-check/?vendor=juniper&serial_number=AB12CD34EF56")))
    assert "registered with a model that is not in the Juniper Networks catalog" in card
    assert "The product model given is not in this vendor's catalog" in card
    assert "Model not named" not in card


# --- bulk ---------------------------------------------------------------------------
def bulk(client, serials, **extra):
    return client.post("/serial-check/bulk/", {"vendor": "juniper", "serials": serials, **extra})


def test_bulk_check_gives_a_table_and_a_summary(client, customer, other_customer, staff, acx2200):
    unit = register(customer).equipment
    services.equipment_flag_set(equipment=unit, flag="counterfeit", note="", user=staff)
    client.force_login(other_customer)
    page = text(bulk(client, "AB12CD34EF56\nCD12CD34EF56, EF12CD34EF56 ab12cd34ef56", product="ACX2200"))
    assert '<span class="stat-n">3</span><span class="stat-l">serials checked</span>' in page
    assert '<span class="stat-n stat-ok">2</span><span class="stat-l">eligible</span>' in page
    assert "Counterfeit" in page and REASONS["counterfeit"].next_step in page


def test_bulk_check_as_csv_with_cells_neutralised(client, customer, acx2200):
    client.force_login(customer)
    response = bulk(client, "AB12CD34EF56\n=1+2\n-SUM", format="csv")
    assert response["Content-Disposition"] == 'attachment; filename="serial-check-juniper.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["serial_number"] for r in rows] == ["AB12CD34EF56", "'=1+2", "'-SUM"]
    assert rows[0]["known"] == "no" and rows[0]["eligible"] == "no"
    assert rows[0]["reasons"] == "unknown_product"


def test_bulk_check_takes_10000_serials(client, customer, acx2200):
    client.force_login(customer)
    serials = "\n".join(f"AB{n:010d}" for n in range(10_000))
    response = bulk(client, serials, product="ACX2200", format="csv")
    assert len(response.content.decode().splitlines()) == 10_001
    page = text(bulk(client, serials, product="ACX2200"))
    assert '<span class="stat-n">10,000</span><span class="stat-l">serials checked</span>' in page


def test_bulk_check_refuses_more_than_10000(client, customer, acx2200):
    client.force_login(customer)
    page = text(bulk(client, " ".join(f"AB{n:010d}" for n in range(10_001))))
    assert "You pasted 10,001 serials; one check takes at most 10,000" in page
    assert "serials checked" not in page


def test_bulk_check_needs_a_serial(client, customer, acx2200):
    client.force_login(customer)
    assert "Paste at least one serial number." in text(bulk(client, " ,\n"))


def test_bulk_counts_and_warns_about_malformed_and_registered_elsewhere(
    client, customer, other_customer, acx2200
):
    register(customer)
    client.force_login(other_customer)
    page = text(bulk(client, "AB12CD34EF56 bad-one CD12CD34EF56", product="ACX2200"))
    stats = page.split('<div class="stats">')[1].split("</div>\n</div>")[0]
    assert '<span class="stat-n">3</span><span class="stat-l">serials checked</span>' in stats
    assert '<span class="stat-n stat-ok">1</span><span class="stat-l">eligible</span>' in stats
    assert '<span class="stat-n stat-bad">2</span><span class="stat-l">not eligible</span>' in stats
    assert '<span class="stat-n">1</span><span class="stat-l">known to the programme</span>' in stats
    assert '<span class="stat-n stat-bad">1</span><span class="stat-l">not valid serials</span>' in stats
    assert (
        '<span class="stat-n stat-bad">1</span><span class="stat-l">registered by another organisation</span>'
        in stats
    )
    assert (
        "1 of these is not a valid Juniper Networks serial number. "
        "Juniper Networks serials are 12 letters and digits, like JN11AC220001."
    ) in page
    assert "1 serial is already registered by another organisation." in page
    assert "means an ownership dispute" in page
    assert not any(mark in page for mark in PATTERN_MARKS)


def test_bulk_legend_tells_a_model_not_named_apart(client, customer, acx2200):
    client.force_login(customer)
    page = text(bulk(client, "JN11AC220001"))
    legend = page.split("What these results mean")[1]
    assert "Model not named" in legend
    assert "Nobody has registered this serial, so the check knows its model only when you name it" in legend
    assert "The product model given is not in this vendor's catalog" not in page


def test_bulk_csv_carries_format_and_registered_elsewhere(client, customer, other_customer, acx2200):
    register(customer)
    client.force_login(other_customer)
    response = bulk(client, "AB12CD34EF56 bad-one CD12CD34EF56", product="ACX2200", format="csv")
    rows = {r["serial_number"]: r for r in csv.DictReader(io.StringIO(response.content.decode()))}
    assert [
        (r["format_valid"], r["known"], r["registered_elsewhere"], r["eligible"], r["reasons"])
        for r in rows.values()
    ] == [
        ("yes", "yes", "yes", "no", "ownership_dispute"),
        ("no", "no", "no", "no", ""),
        ("yes", "no", "no", "yes", ""),
    ]


# --- the single check, the bulk check and the API agree --------------------------------
def bulk_row(page: str, serial: str) -> str:
    return page.split(f"<td><code>{serial}</code></td>")[1].split("</tr>")[0]


@pytest.mark.parametrize(
    ("serial", "expected", "badges"),
    [
        (
            "bad-one",
            {"serial_number": "BAD-ONE", "format_valid": False, "known": False, "registered_elsewhere": False,
             "eligible": False, "reasons": []},
            [NOT_ELIGIBLE_BADGE, MALFORMED_BADGE],
        ),
        (
            "AB12CD34EF56",
            {"serial_number": "AB12CD34EF56", "format_valid": True, "known": True, "registered_elsewhere": True,
             "eligible": False, "reasons": ["ownership_dispute"]},
            [NOT_ELIGIBLE_BADGE, ELSEWHERE_BADGE],
        ),
    ],
)  # fmt: skip
def test_the_api_and_both_pages_agree(
    client, api_as, customer, other_customer, acx2200, serial, expected, badges
):
    register(customer)
    body = (
        api_as(other_customer)
        .get(f"/api/v1/serial-check/?vendor=juniper&serial_number={serial}&product=ACX2200")
        .json()
    )
    assert {key: body[key] for key in expected} == expected

    client.force_login(other_customer)
    card = result_card(
        text(client.get(f"/serial-check/?vendor=juniper&serial_number={serial}&product=ACX2200"))
    )
    heading = card.split("</header>")[0]
    assert [
        b for b in (ELIGIBLE_BADGE, NOT_ELIGIBLE_BADGE, MALFORMED_BADGE, ELSEWHERE_BADGE) if b in heading
    ] == badges

    row = bulk_row(text(bulk(client, serial, product="ACX2200")), expected["serial_number"])
    assert [
        b for b in (ELIGIBLE_BADGE, NOT_ELIGIBLE_BADGE, MALFORMED_BADGE, ELSEWHERE_BADGE) if b in row
    ] == badges

    [line] = csv.DictReader(
        io.StringIO(bulk(client, serial, product="ACX2200", format="csv").content.decode())
    )
    yes_no = {True: "yes", False: "no"}
    assert (
        line["format_valid"],
        line["known"],
        line["registered_elsewhere"],
        line["eligible"],
        line["reasons"],
    ) == (
        yes_no[expected["format_valid"]],
        yes_no[expected["known"]],
        yes_no[expected["registered_elsewhere"]],
        "no",
        " ".join(expected["reasons"]),
    )
