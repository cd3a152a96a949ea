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


def test_a_serial_in_the_wrong_format_is_pointed_out(client, customer, acx2200):
    client.force_login(customer)
    page = text(client.get("/serial-check/?vendor=juniper&serial_number=short"))
    assert "This does not look like a Juniper Networks serial number" in page


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
