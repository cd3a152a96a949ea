"""The installed-base pages: my equipment, one unit's page, the register form, who may see what."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from relicensing.eligibility import PATHS, REASONS
from relicensing.models import RegistrationTally, SoftwareLicence
from relicensing.services import equipment as services
from tests.factories import ProductFactory
from tests.relicensing.registering import register, text

pytestmark = pytest.mark.django_db


# --- my equipment ----------------------------------------------------------------
def test_empty_list_says_what_to_do_next(client, customer):
    client.force_login(customer)
    page = text(client.get("/equipment/"))
    assert "No equipment registered yet" in page
    assert 'href="/equipment/register/"' in page and 'href="/equipment/import/"' in page


def test_list_shows_each_registration_with_its_eligibility(client, customer, acx2200):
    register(customer)
    register(customer, "ZZ12CD34EF56", product="MYSTERY-9")
    client.force_login(customer)
    page = text(client.get("/equipment/"))
    assert "AB12CD34EF56" in page and "Juniper Networks" in page and "ACX2200" in page
    assert "MYSTERY-9" in page and "unknown" in page
    assert "Secondary market (broker, auction, gray market)" in page
    assert "Unknown product" in page  # the reason's title beside the badge
    assert REASONS["unknown_product"].next_step in page  # explained in the legend under the table


def test_list_filters(client, customer, acx2200, old_cisco):
    register(customer)
    register(customer, "YY12CD34EF56", condition="damaged")
    register(customer, "FOC1234X56Y", vendor="cisco", product="WS-C3750X-48P")
    client.force_login(customer)

    def serials(query):
        page = text(client.get(f"/equipment/?{query}"))
        return {s for s in ("AB12CD34EF56", "YY12CD34EF56", "FOC1234X56Y") if s in page}

    assert serials("eligible=yes") == {"AB12CD34EF56"}
    assert serials("eligible=no") == {"YY12CD34EF56", "FOC1234X56Y"}
    assert serials("vendor=cisco") == {"FOC1234X56Y"}
    assert serials("product=ACX2200") == {"AB12CD34EF56", "YY12CD34EF56"}
    assert serials("q=yy12") == {"YY12CD34EF56"}
    assert "No registration matches these filters" in text(client.get("/equipment/?q=NOTHERE"))


def test_partner_sees_its_customers_equipment_with_a_customer_column(
    client, partner, customer, other_customer, acx2200
):
    register(customer)
    register(other_customer, "BB12CD34EF56")
    client.force_login(partner)
    page = text(client.get("/equipment/"))
    assert "<th>Customer</th>" in page and "Acme Networks" in page
    assert "AB12CD34EF56" in page and "BB12CD34EF56" not in page
    assert f'<option value="{customer.organization_id}">Acme Networks</option>' in page
    assert "Borealis Data" not in page


def test_list_costs_the_same_queries_at_5_and_50_rows(client, partner, customer, acx2200):
    client.force_login(partner)

    def queries_for_list():
        caches["local"].clear()  # each with the catalogue not yet kept (selectors.catalogue_kept)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/equipment/").status_code == 200
        return len(queries)

    for n in range(5):
        register(customer, f"AA{n:010d}")
    at_5 = queries_for_list()
    for n in range(5, 30):
        register(customer, f"AA{n:010d}", product="ACX2200" if n % 2 else "UNKNOWN-1")
    at_30 = queries_for_list()
    for n in range(30, 50):
        register(customer, f"AA{n:010d}", product="ACX2200" if n % 2 else "UNKNOWN-1")
    assert queries_for_list() == at_30
    assert at_5 == at_30 - 1  # five rows fit on the first page (25), which counts them: no count query


def test_the_filters_name_a_new_product_within_the_minute_they_are_kept(
    client, customer, acx2200, time_machine
):
    # The vendors and models the filters offer are read once a minute per process
    # (selectors.catalogue_kept), not on every view of the list.
    time_machine.move_to("2026-12-07T10:00:00Z", tick=False)
    register(customer)
    client.force_login(customer)
    assert '<option value="ACX2200">' in client.get("/equipment/").text
    ProductFactory(vendor=acx2200.vendor, model="MX204")
    time_machine.move_to("2026-12-07T10:00:59Z", tick=False)
    assert '<option value="MX204">' not in client.get("/equipment/").text
    time_machine.move_to("2026-12-07T10:01:01Z", tick=False)
    assert '<option value="MX204">' in client.get("/equipment/").text


# --- one unit ------------------------------------------------------------------
def test_detail_explains_eligibility_and_compares_with_refurbished(client, customer, acx2200):
    registration = register(customer)
    client.force_login(customer)
    page = text(client.get(f"/equipment/{registration.pk}/"))
    assert PATHS["inspection"].meaning in page and PATHS["inspection"].next_step in page
    assert "Relicense it through the programme" in page
    assert "USD 3,437.00" in page  # 1,000 + 437 + 2,000 from the price book
    assert "USD 2,125.00 \u2013 USD 6,375.00" in page  # 25-75 % below the 8,500 list price
    assert "Risks of gray-market equipment" in page and "Suspiciously cheap line cards" in page
    assert "No software licence is recorded" in page
    assert "Registered" in page and "Pat Tester" in page  # history: who


def test_detail_lists_addons_bought_new(client, customer, qfx5100):
    registration = register(customer, product="QFX5100")
    client.force_login(customer)
    page = text(client.get(f"/equipment/{registration.pk}/"))
    assert "Bought new, if you need them" in page and "QFX5K-C1-AFL" in page


def test_detail_says_when_the_price_book_lacks_a_fee_sku(client, customer, juniper):
    ProductFactory(vendor=juniper, model="NAKED-1")
    registration = register(customer, product="NAKED-1")
    client.force_login(customer)
    page = text(client.get(f"/equipment/{registration.pk}/"))
    assert "cannot be priced: the price book has no" in page
    assert "Programme total" not in page


def test_no_comparison_for_equipment_bought_new(client, customer, acx2200):
    registration = register(customer, acquisition_channel="authorized")
    client.force_login(customer)
    page = text(client.get(f"/equipment/{registration.pk}/"))
    assert PATHS["no_relicensing_needed"].meaning in page
    assert "Relicense it through the programme" not in page


def test_detail_shows_licences(client, customer, other_customer, acx2200):
    registration = register(customer)
    for licensee in (customer.organization, other_customer.organization):
        SoftwareLicence.objects.create(
            equipment=registration.equipment,
            kind="embedded",
            description="Junos base licence",
            licensee=licensee,
            starts_on="2024-01-01",
        )
    client.force_login(customer)
    page = text(client.get(f"/equipment/{registration.pk}/"))
    assert "Embedded operating-system licence" in page and "Junos base licence" in page
    assert "Acme Networks" in page and "Another organisation" in page
    assert "Borealis Data" not in page  # a previous licensee outside the customer's reach


def _flag(flag):
    def apply(registration, staff, other):
        services.equipment_flag_set(equipment=registration.equipment, flag=flag, note="", user=staff)

    return apply


def _hold(registration, staff, other):
    unit = registration.equipment
    services.hold_place(vendor=unit.vendor, serial_number=unit.serial_number, reason="Export", user=staff)


def _rival_claim(registration, staff, other):
    register(other, registration.equipment.serial_number)


REASON_SETUPS = {
    "unknown_product": ({"product": "NOPE-1"}, None),
    "end_of_support": ({"vendor": "cisco", "product": "WS-C3750X-48P", "serial": "FOC1234X56Y"}, None),
    "permanently_damaged": ({}, _flag("permanently_damaged")),
    "damaged": ({"condition": "damaged"}, None),
    "environmental_damage": ({"condition": "environmental_damage"}, None),
    "reported_lost_or_stolen": ({}, _flag("lost_or_stolen")),
    "counterfeit": ({}, _flag("counterfeit")),
    "compliance_hold": ({}, _hold),
    "donated_equipment": ({"acquisition_channel": "donated"}, None),
    "ownership_dispute": ({}, _rival_claim),
}


def test_every_reason_code_has_a_setup():
    assert set(REASON_SETUPS) == set(REASONS)


@pytest.mark.parametrize("code", list(REASON_SETUPS))
def test_each_reason_is_explained_on_the_detail_page(
    client, customer, other_customer, staff, acx2200, old_cisco, code
):
    fields, after = REASON_SETUPS[code]
    registration = register(customer, **fields)
    if after:
        after(registration, staff, other_customer)
    registration.refresh_from_db()
    assert code in registration.reasons
    client.force_login(customer)
    page = text(client.get(f"/equipment/{registration.pk}/"))
    explanation = REASONS[code]
    assert explanation.title in page and explanation.meaning in page and explanation.next_step in page
    assert PATHS[registration.path].title in page


def test_environmental_damage_points_to_the_compromised_review(client, customer, acx2200):
    registration = register(customer, condition="environmental_damage")
    client.force_login(customer)
    page = text(client.get(f"/equipment/{registration.pk}/"))
    assert PATHS["compromised_review"].next_step in page


def test_rival_claim_is_shown_without_naming_the_rival(client, customer, other_customer, acx2200):
    mine = register(customer)
    theirs = register(other_customer)
    for user, registration, rival in ((customer, mine, "Borealis"), (other_customer, theirs, "Acme")):
        client.force_login(user)
        page = text(client.get(f"/equipment/{registration.pk}/"))
        assert "Ownership dispute opened" in page and "Another organisation" in page
        assert rival not in page


def test_settled_elsewhere_shows_a_banner(client, customer, other_customer, staff, acx2200):
    mine = register(customer)
    register(other_customer)
    services.ownership_settle(
        equipment=mine.equipment, organization=other_customer.organization, note="Invoice", user=staff
    )
    client.force_login(customer)
    assert "Ownership settled for another organisation" in text(client.get(f"/equipment/{mine.pk}/"))


# --- who may see what -------------------------------------------------------------
def test_another_organisations_equipment_is_a_404(client, customer, other_customer, other_partner, acx2200):
    registration = register(customer)
    for outsider in (other_customer, other_partner):
        client.force_login(outsider)
        assert client.get(f"/equipment/{registration.pk}/").status_code == 404
        assert "AB12CD34EF56" not in text(client.get("/equipment/"))


def test_pages_need_a_sign_in(client):
    for path in (
        "/equipment/",
        "/equipment/register/",
        "/equipment/import/",
        "/serial-check/",
        "/staff/holds/",
    ):
        assert client.get(path)["Location"].startswith("/login/")


def test_inspectors_have_no_installed_base_pages(client, inspector):
    client.force_login(inspector)
    for path in ("/equipment/", "/equipment/register/", "/equipment/import/"):
        assert client.get(path).status_code == 403


def test_navigation_by_role(client, customer, staff):
    client.force_login(customer)
    page = text(client.get("/"))
    assert 'href="/equipment/"' in page and 'href="/serial-check/"' in page
    assert 'href="/staff/holds/"' not in page
    client.force_login(staff)
    assert "Holds &amp; disputes" in client.get("/").content.decode()


# --- dashboards --------------------------------------------------------------------
def test_dashboard_counts_registered_equipment(client, customer, partner, acx2200):
    client.force_login(customer)
    assert "No equipment registered yet" in text(client.get("/"))
    register(customer)
    register(customer, "YY12CD34EF56", condition="damaged")
    for user in (customer, partner):
        client.force_login(user)
        page = text(client.get("/"))
        assert "Registered equipment" in page
        assert '<span class="stat-n">2</span><span class="stat-l">registered</span>' in page
        assert '<span class="stat-n stat-ok">1</span><span class="stat-l">eligible</span>' in page
        assert "need attention" in page
    # A large base reads with thousands separated (the tallies stand in for 2,500 more units).
    RegistrationTally.objects.create(organization=customer.organization, eligible=True, n=2500)
    page = text(client.get("/"))
    assert '<span class="stat-n">2,502</span><span class="stat-l">registered</span>' in page
    assert '<span class="stat-n stat-ok">2,501</span><span class="stat-l">eligible</span>' in page


def test_dashboard_open_requests_read_with_thousands_separated(client, customer, monkeypatch):
    import portal.dashboards

    monkeypatch.setattr(
        portal.dashboards,
        "request_status_counts",
        lambda user, statuses: {status: 1000 if status == "submitted" else 0 for status in statuses},
    )
    client.force_login(customer)
    assert "<strong>1,000</strong>" in text(client.get("/"))


@pytest.mark.parametrize("path", ["/", "/equipment/"])
def test_the_read_only_pages_open_no_transaction(client, customer, partner, acx2200, path):
    # ATOMIC_REQUESTS wraps each view in a transaction (a savepoint inside the test's own); the
    # dashboard and the equipment list only read, and are the pages asked most, so they opt out
    # (transaction.non_atomic_requests). A page that writes keeps its transaction.
    register(customer)
    for user in (customer, partner):
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        assert not [q["sql"] for q in queries if "SAVEPOINT" in q["sql"]]
    # (On a write, pghistory's context prefixes the statement: "SELECT set_config(...); SAVEPOINT".)
    with CaptureQueriesContext(connection) as queries:
        client.post("/equipment/register/", {})
    assert [q["sql"] for q in queries if "SAVEPOINT" in q["sql"]]
