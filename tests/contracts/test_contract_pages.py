"""The order, approval and contract pages: the purchase order on the request page, the staff
approval queue (conditions, segregation, a confirmation before approving), contracts found by
number, serial or sales order, a contract's page with its history, the site correction (page and
API), the welcome kit, and the coverage on a unit's page; for each reader, outsiders included.
Amounts from DOMAIN.md: one ACX2200 that passed ($3,437) and one that failed ($1,000): $4,437."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contracts.models import Contract, ContractEvent, PurchaseOrder
from contracts.services.orders import purchase_order_receive, request_approve
from tests.contracts.ordering import inspected, prepared
from tests.factories import UserFactory
from tests.relicensing.registering import text
from tests.relicensing.requesting import PDF

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(frozen_friday, juniper, acx2200, inspector):
    prepared(inspector, juniper)


@pytest.fixture
def other_staff(operator):
    return UserFactory(
        username="staff2", organization=operator, role="staff", first_name="Alex", last_name="Reyes"
    )


@pytest.fixture
def inspected_request(ready, time_machine, customer, partner, staff, inspector):
    return inspected(
        time_machine,
        customer=customer,
        partner=partner,
        staff=staff,
        inspector=inspector,
        passes=(True, False),
    )


@pytest.fixture
def ordered(inspected_request, customer):
    purchase_order_receive(request=inspected_request, user=customer, po_number="PO-7781", amount="4437.00")
    inspected_request.refresh_from_db()
    return inspected_request


@pytest.fixture
def contract(ordered, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request_approve(request=ordered, user=staff)
    return Contract.objects.get(request=ordered)


def page(client, user, url, data=None, **extra):
    client.force_login(user)
    return client.post(url, data, **extra) if data is not None else client.get(url)


# --- the purchase order on the request page ------------------------------------------------
def test_the_customer_and_its_partner_see_the_order_form_with_the_final_total(
    client, inspected_request, customer, partner, staff
):
    url = f"/requests/{inspected_request.pk}/"
    for reader in (customer, partner):
        shown = text(page(client, reader, url))
        assert "Send the purchase order" in shown
        assert "comes to <strong>USD 4,437.00</strong>" in shown
        assert 'name="amount" value="4437.00"' in shown
    assert "Send the purchase order" not in text(page(client, staff, url))


def test_another_organisation_cannot_open_the_request(
    client, inspected_request, other_customer, other_partner
):
    for outsider in (other_customer, other_partner):
        assert page(client, outsider, f"/requests/{inspected_request.pk}/").status_code == 404
        refused = page(
            client, outsider, f"/requests/{inspected_request.pk}/", {"po_number": "X", "amount": "4437.00"}
        )
        assert refused.status_code == 404
    assert not PurchaseOrder.objects.exists()


def test_a_wrong_amount_is_refused_naming_both_figures(client, inspected_request, customer):
    response = page(
        client, customer, f"/requests/{inspected_request.pk}/", {"po_number": "PO-7781", "amount": "6,874.00"}
    )
    shown = text(response)
    assert response.status_code == 200
    assert "The order is for USD 6,874.00, but the final quote" in shown
    assert "is USD 4,437.00; an order covers the final total exactly." in shown
    assert 'value="PO-7781"' in shown  # what was typed stays
    assert not PurchaseOrder.objects.exists()


def test_a_missing_number_and_a_bad_document_are_said_in_words(client, inspected_request, customer):
    upload = SimpleUploadedFile("order.pdf", b"not a pdf at all", content_type="application/pdf")
    shown = text(
        page(
            client, customer, f"/requests/{inspected_request.pk}/", {"amount": "4437.00", "document": upload}
        )
    )
    assert "Give your purchase order number." in shown
    assert "PDF, PNG or JPEG" in shown
    assert not PurchaseOrder.objects.exists()


def test_the_order_received_shows_on_the_request_page_and_staff_see_the_approval_state(
    client, inspected_request, partner, staff
):
    upload = SimpleUploadedFile("PO-7781.pdf", PDF, content_type="application/pdf")
    response = page(
        client,
        partner,
        f"/requests/{inspected_request.pk}/",
        {"po_number": "PO-7781", "amount": "4437.00", "document": upload},
    )
    assert response.status_code == 302 and response["Location"].endswith("#order")
    shown = text(client.get(response["Location"]))
    assert "Purchase order PO-7781 for USD 4,437.00 is received." in shown
    assert "PO-7781.pdf" in shown and "USD 4,437.00" in shown
    assert partner.display_name in shown
    assert "Send the purchase order" not in shown
    assert "0 of 1 approval given" not in shown  # the approval state is for staff
    staff_view = text(page(client, staff, f"/requests/{inspected_request.pk}/"))
    assert "0 of 1 approval given." in staff_view
    assert "Purchase order PO-7781 covers the final total USD 4,437.00." in staff_view
    assert "Approve it from the approval queue" in staff_view


# --- the approval queue ----------------------------------------------------------------------
def test_only_staff_open_the_approval_queue(client, ordered, customer, partner, inspector, other_customer):
    for reader in (customer, partner, inspector, other_customer):
        assert page(client, reader, "/approvals/").status_code == 403
        assert page(client, reader, f"/approvals/{ordered.pk}/approve/", {}).status_code == 403


def test_the_queue_shows_each_condition_and_who_recorded_the_results(client, ordered, staff, inspector):
    shown = text(page(client, staff, "/approvals/"))
    assert ordered.number in shown and "Acme Networks" in shown
    assert "1 chassis passed inspection and will be covered." in shown
    assert "Purchase order PO-7781 covers the final total USD 4,437.00." in shown
    assert "The licence position is proven." in shown
    assert "No hold or flag on the chassis." in shown
    assert "0 of 1 given" in shown
    assert f"Results recorded by</dt><dd>{inspector.display_name}" in shown
    assert "Approve…" in shown


def test_a_hold_since_shows_what_is_missing_and_no_button(client, ordered, staff, juniper):
    from relicensing.services.equipment import hold_place

    hold_place(vendor=juniper, serial_number="JN11AC220001", reason="Export control review", user=staff)
    shown = text(page(client, staff, "/approvals/"))
    assert "A hold or flag appeared since: JN11AC220001 (compliance hold)" in shown
    assert "Approve…" not in shown and "Not ready to approve" in shown


def test_the_results_recorder_is_told_another_approves_and_is_refused(
    client, ready, time_machine, customer, partner, staff, inspector
):
    request = inspected(
        time_machine, customer=customer, partner=partner, staff=staff, inspector=inspector, recorder=staff
    )
    purchase_order_receive(request=request, user=customer, po_number="PO-1", amount="6874.00")
    shown = text(page(client, staff, "/approvals/"))
    assert "You recorded results on this request; another member of staff approves it." in shown
    assert "Approve…" not in shown
    response = page(client, staff, f"/approvals/{request.pk}/approve/", {"confirmed": "yes"}, follow=True)
    assert "another member of staff approves it" in text(response)
    request.refresh_from_db()
    assert request.status == "po_received"


def test_approving_asks_first_then_issues_the_contract(
    client, ordered, staff, django_capture_on_commit_callbacks
):
    question = text(page(client, staff, f"/approvals/{ordered.pk}/approve/", {}))
    assert f"Approve request {ordered.number}?" in question
    assert "Approving issues the service contract in Acme Networks's name" in question
    ordered.refresh_from_db()
    assert ordered.status == "po_received"  # nothing happened yet
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/approvals/{ordered.pk}/approve/", {"confirmed": "yes"})
    assert response.status_code == 302 and response["Location"] == f"/requests/{ordered.pk}/"
    ordered.refresh_from_db()
    assert ordered.status == "reinstated"
    contract = Contract.objects.get(request=ordered)
    shown = text(client.get(response["Location"]))
    assert contract.number in shown and "Approved" in shown


def test_above_the_amount_the_first_approval_waits_for_a_second(client, ordered, staff, other_staff, juniper):
    juniper.two_approvals_above = 4000
    juniper.save()
    question = text(page(client, staff, f"/approvals/{ordered.pk}/approve/", {}))
    assert "This is approval 1 of 2." in question
    response = client.post(f"/approvals/{ordered.pk}/approve/", {"confirmed": "yes"}, follow=True)
    shown = text(response)
    assert "recorded (1 of 2)" in shown
    assert "You gave the first approval; another member of staff gives the second." in shown
    assert "1 of 2 given" in text(page(client, other_staff, "/approvals/"))


def test_a_get_on_the_approve_address_leads_to_the_queue(client, ordered, staff):
    response = page(client, staff, f"/approvals/{ordered.pk}/approve/")
    assert response.status_code == 302 and response["Location"] == "/approvals/"


# --- contracts: search, page, welcome kit ------------------------------------------------------
def test_the_owner_finds_its_contract_by_number_serial_or_sales_order(client, contract, customer):
    client.force_login(customer)
    for query in (contract.number.lower(), "jn11ac220001", contract.sales_order, ""):
        shown = text(client.get("/contracts/", {"q": query}))
        assert contract.number in shown, query
        assert "Active" in shown
    assert "No contract you can see" in text(client.get("/contracts/", {"q": "JN11AC220002"}))  # it failed


def test_each_reader_sees_its_reach_on_the_contract_pages(
    client, contract, customer, partner, staff, other_customer, other_partner, inspector
):
    url = f"/contracts/{contract.number}/"
    for reader in (customer, partner, staff):
        assert contract.number in text(page(client, reader, "/contracts/")), reader
        assert page(client, reader, url).status_code == 200
    for outsider in (other_customer, other_partner):
        assert contract.number not in text(page(client, outsider, "/contracts/"))
        assert page(client, outsider, url).status_code == 404
        assert page(client, outsider, f"{url}welcome-kit.pdf").status_code == 404
        assert page(client, outsider, f"{url}site/", {"name": "x", "reason": "x"}).status_code == 404
    assert page(client, inspector, "/contracts/").status_code == 403


def test_the_contract_page_shows_owner_site_coverage_lines_and_history(client, contract, customer):
    shown = text(page(client, customer, f"/contracts/{contract.number}/"))
    assert "Acme Networks" in shown
    assert contract.site_name in shown and contract.contact_email in shown
    assert "7 Dec 2026 to 6 Dec 2027" in shown
    assert contract.sales_order in shown
    assert "JN11AC220001" in shown and "ACX2200" in shown and "JN11AC220002" not in shown
    assert f"Issued on reinstating request {contract.request.number}" in shown
    assert f'href="/requests/{contract.request_id}/"' in shown
    assert "Download welcome kit" in shown


def test_the_welcome_kit_downloads_as_a_pdf_for_the_owner(client, contract, customer):
    response = page(client, customer, f"/contracts/{contract.number}/welcome-kit.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f"welcome-kit-{contract.number}.pdf" in response["Content-Disposition"]


# --- site correction ---------------------------------------------------------------------------
SITE = {
    "name": "Leeds data centre, hall B",
    "address": "2 Network Way\nLeeds LS1 1AB",
    "country": "GB",
    "contact_name": "Robin Shaw",
    "contact_email": "robin@acme.example",
    "contact_phone": "+44 113 496 0001",
}


def test_the_owner_corrects_the_site_and_the_history_keeps_old_and_new(client, contract, customer):
    old_contact = contract.contact_name
    response = page(
        client, customer, f"/contracts/{contract.number}/site/", {**SITE, "reason": "Moved to hall B."}
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert (contract.site_name, contract.contact_email) == (SITE["name"], SITE["contact_email"])
    event = ContractEvent.objects.get(contract=contract, kind="site_corrected")
    assert event.actor == customer
    assert f"The contact's name: {old_contact} → Robin Shaw" in event.note
    assert event.note.endswith("Why: Moved to hall B.")
    shown = text(client.get(f"/contracts/{contract.number}/"))
    assert "Install site corrected" in shown and "Robin Shaw" in shown


def test_a_bad_correction_is_said_beside_its_field(client, contract, customer):
    shown = text(
        page(
            client,
            customer,
            f"/contracts/{contract.number}/site/",
            {**SITE, "contact_email": "not-an-email", "reason": ""},
        )
    )
    assert "Enter a valid email address." in shown
    assert "Say why the site or contact changes" in shown
    assert not ContractEvent.objects.filter(kind="site_corrected").exists()


def test_staff_see_no_correction_form_and_are_refused(client, contract, staff):
    assert "Correct the site or contact" not in text(page(client, staff, f"/contracts/{contract.number}/"))
    response = page(client, staff, f"/contracts/{contract.number}/site/", {**SITE, "reason": "x"})
    assert response.status_code == 403


def test_the_api_patch_corrects_the_site_for_the_owner_only(api_as, contract, partner, other_customer, staff):
    url = f"/api/v1/contracts/{contract.number}/"
    body = {"site": {"contact_name": "Robin Shaw"}, "reason": "New facilities manager."}
    assert api_as(other_customer).patch(url, body, format="json").status_code == 404
    refused = api_as(staff).patch(url, body, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    bad = api_as(partner).patch(url, {"site": {"country": "XX"}, "reason": "x"}, format="json")
    assert bad.status_code == 400 and "country" in bad.json()
    answer = api_as(partner).patch(url, body, format="json")
    assert answer.status_code == 200
    assert answer.json()["site"]["contact_name"] == "Robin Shaw"
    assert answer.json()["history"][-1]["kind"] == "site_corrected"


# --- coverage on the unit's page ------------------------------------------------------------------
def test_the_unit_page_shows_its_coverage_to_those_who_see_the_contract(client, contract, customer):
    registration = contract.lines.get().equipment.registrations.get()
    shown = text(page(client, customer, f"/equipment/{registration.pk}/"))
    assert 'id="coverage"' in shown
    assert f'href="/contracts/{contract.number}/"' in shown
    assert "7 Dec 2026 to 6 Dec 2027" in shown


# --- menu and dashboard ------------------------------------------------------------------------------
def test_the_menu_and_dashboard_lead_staff_to_the_queue(client, ordered, staff, customer):
    shown = text(page(client, staff, "/"))
    assert 'href="/approvals/"' in shown and 'href="/contracts/"' in shown
    assert "waiting for approval" in shown
    customer_menu = text(page(client, customer, "/"))
    assert 'href="/contracts/"' in customer_menu and 'href="/approvals/"' not in customer_menu
