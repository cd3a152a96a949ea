"""Purchase orders, approval and reinstatement, through the services and the API. Amounts from
DOMAIN.md: an ACX2200 is SVC-INSPECT-2 $1,000 + SVC-CP-ACX2200 $437 + SVC-JUNOS-REG-4 $2,000 =
$3,437; a chassis that failed keeps only its $1,000 inspection fee."""

import datetime as dt
from decimal import Decimal

import pytest

from common.errors import Conflict, NotPermitted
from contracts.models import Approval, Contract, PurchaseOrder
from contracts.services.orders import purchase_order_receive, request_approve
from contracts.services.reinstatement import request_reinstate, requests_reinstate_due
from notices.models import Notice
from relicensing.choices import LicenceKind, LicenceStatus
from relicensing.models import Equipment, EquipmentEvent, SoftwareLicence
from relicensing.services.equipment import hold_place
from tests.contracts.ordering import inspected, prepared
from tests.factories import UserFactory

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
    """Two ACX2200, one passed and one failed: the final total is 3,437 + 1,000 = 4,437."""
    return inspected(
        time_machine,
        customer=customer,
        partner=partner,
        staff=staff,
        inspector=inspector,
        passes=(True, False),
    )


def order(request, user, amount="4437.00", po_number="PO-7781"):
    return purchase_order_receive(request=request, user=user, po_number=po_number, amount=amount)


# --- purchase orders -----------------------------------------------------------------------
def test_an_order_for_the_final_total_moves_the_request_to_po_received(inspected_request, partner):
    received = order(inspected_request, partner)
    inspected_request.refresh_from_db()
    assert inspected_request.status == "po_received"
    assert (received.amount, received.currency, received.status) == (Decimal("4437.00"), "USD", "received")
    assert inspected_request.transitions.last().reason == (
        f"Purchase order PO-7781 for USD 4,437.00 (final quote {received.quote.number})."
    )


def test_an_order_for_another_amount_names_both_figures(inspected_request, customer):
    with pytest.raises(Exception) as mismatch:
        order(inspected_request, customer, amount="6874.00")
    assert mismatch.value.code == "amount_mismatch"
    assert "The order is for USD 6,874.00, but the final quote" in mismatch.value.detail
    assert "is USD 4,437.00" in mismatch.value.detail
    assert not PurchaseOrder.objects.exists()


def test_only_the_customer_or_its_partner_orders_and_only_once(
    inspected_request, customer, other_partner, staff
):
    for outsider in (other_partner, staff):
        with pytest.raises(NotPermitted):
            order(inspected_request, outsider)
    order(inspected_request, customer)
    with pytest.raises(Conflict) as again:
        order(inspected_request, customer)
    assert again.value.code == "invalid_transition"


# --- approval ------------------------------------------------------------------------------
def test_the_staff_member_who_recorded_results_cannot_approve(
    ready, time_machine, customer, partner, staff, inspector, other_staff
):
    request = inspected(
        time_machine, customer=customer, partner=partner, staff=staff, inspector=inspector, recorder=staff
    )
    order(request, customer, amount="6874.00")
    with pytest.raises(NotPermitted) as refused:
        request_approve(request=request, user=staff)
    assert refused.value.code == "segregation_of_duties"
    assert request_approve(request=request, user=other_staff).approvals == 1


def test_a_hold_placed_since_blocks_approval_naming_it(inspected_request, customer, staff, juniper):
    order(inspected_request, customer)
    hold_place(vendor=juniper, serial_number="JN11AC220001", reason="Export control review", user=staff)
    with pytest.raises(Conflict) as blocked:
        request_approve(request=inspected_request, user=staff)
    assert blocked.value.code == "approval_blocked"
    assert [m["condition"] for m in blocked.value.extra["missing"]] == ["no_hold_or_flag"]
    assert "JN11AC220001 (compliance hold)" in blocked.value.detail


def test_above_the_vendors_amount_two_different_staff_approve(
    inspected_request, customer, staff, other_staff, juniper, django_capture_on_commit_callbacks
):
    juniper.two_approvals_above = Decimal("4000.00")  # the final total is 4,437.00
    juniper.save()
    order(inspected_request, customer)
    first = request_approve(request=inspected_request, user=staff)
    assert (first.approvals, first.approvals_needed) == (1, 2)
    inspected_request.refresh_from_db()
    assert inspected_request.status == "po_received"
    assert inspected_request.transitions.last().reason.startswith("First of 2 approvals, by ")
    with pytest.raises(NotPermitted) as twice:
        request_approve(request=inspected_request, user=staff)
    assert twice.value.code == "segregation_of_duties"
    with django_capture_on_commit_callbacks(execute=True):
        second = request_approve(request=inspected_request, user=other_staff)
    assert (second.approvals, second.approvals_needed) == (2, 2)
    inspected_request.refresh_from_db()
    assert inspected_request.status == "reinstated"
    assert Approval.objects.filter(request=inspected_request).count() == 2


def test_at_or_below_the_amount_one_approval_reinstates(
    inspected_request, customer, staff, django_capture_on_commit_callbacks
):
    order(inspected_request, customer)  # 4,437.00, below the default 25,000.00
    with django_capture_on_commit_callbacks(execute=True):
        state = request_approve(request=inspected_request, user=staff)
    assert (state.approvals, state.approvals_needed) == (1, 1)
    inspected_request.refresh_from_db()
    assert inspected_request.status == "reinstated"


# --- reinstatement -------------------------------------------------------------------------
def test_reinstatement_puts_the_passed_chassis_under_contract_in_the_owners_name(
    inspected_request, customer, staff, borealis, django_capture_on_commit_callbacks, mailbox
):
    passed = Equipment.objects.get(serial_number="JN11AC220001")
    previous = SoftwareLicence.objects.create(
        equipment=passed,
        kind=LicenceKind.EMBEDDED,
        description="Junos, first buyer",
        licensee=borealis,
        starts_on=dt.date(2021, 3, 1),
    )
    order(inspected_request, customer)
    with django_capture_on_commit_callbacks(execute=True):
        request_approve(request=inspected_request, user=staff)
    contract = Contract.objects.get(request=inspected_request)
    assert contract.number.startswith("CT-2026-") and contract.sales_order.startswith("SO-2026-")
    assert contract.owner == customer.organization
    assert (contract.starts_on, contract.ends_on) == (dt.date(2026, 12, 7), dt.date(2027, 12, 6))
    assert [line.equipment.serial_number for line in contract.lines.all()] == [
        "JN11AC220001"
    ]  # not the failed one
    assert PurchaseOrder.objects.get().sales_order == contract.sales_order
    previous.refresh_from_db()
    assert (previous.status, previous.terminated_on) == (LicenceStatus.TERMINATED, dt.date(2026, 12, 7))
    mine = SoftwareLicence.objects.get(equipment=passed, licensee=customer.organization)
    os_line = contract.request.quotes.get(is_final=True).lines.get(equipment=passed, kind="os_license")
    assert (mine.kind, mine.status, mine.sku_code, mine.terminated_on) == (
        "embedded",
        "active",
        os_line.sku,
        None,
    )
    passed.refresh_from_db()
    assert passed.current_owner == customer.organization
    assert EquipmentEvent.objects.filter(serial_number="JN11AC220001", kind="reinstated").count() == 1
    welcome = Notice.objects.filter(event="request_reinstated")
    assert {n.to_email for n in welcome} >= {
        customer.email,
        "casey@acme.example",
    }  # users and the site contact
    (to_contact,) = [n for n in welcome if n.recipient is None]
    assert to_contact.attachments[0]["filename"] == f"welcome-kit-{contract.number}.pdf"


def test_reinstating_twice_issues_one_contract(
    inspected_request, customer, staff, django_capture_on_commit_callbacks
):
    order(inspected_request, customer)
    with django_capture_on_commit_callbacks(execute=True):
        request_approve(request=inspected_request, user=staff)
    again = request_reinstate(request_id=inspected_request.pk)
    assert again == Contract.objects.get()
    assert requests_reinstate_due(now=dt.datetime(2026, 12, 8, tzinfo=dt.UTC)) == 0
    assert Contract.objects.count() == 1


@pytest.mark.parametrize("amount", ["4437.004", "4437.005", "٤٤٣٧", "4437.0.0", "-4437.00", " "])
def test_an_amount_finer_than_a_cent_or_not_in_ascii_digits_is_refused(inspected_request, customer, amount):
    from common.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        order(inspected_request, customer, amount=amount)
    assert refused.value.fields["amount"] == [
        "Give the order's amount in digits with at most two decimals, such as 4437.00."
    ]
    assert not PurchaseOrder.objects.exists()


def test_an_amount_without_decimals_is_the_same_total(inspected_request, customer):
    assert order(inspected_request, customer, amount="4437").amount == Decimal("4437.00")


def test_a_chassis_already_on_a_contract_blocks_approval_and_a_requested_unit_is_no_rma_replacement(
    ready, time_machine, customer, partner, staff, inspector, other_staff
):
    # Found by review: a unit in an open request was put on another contract by an RMA, then the
    # request was approved, and the unit stood on two active contracts.
    from contracts.services.rma import contract_rma_swap
    from tests.contracts.test_coverage import contract_of

    existing = contract_of(customer, "CT-2026-000050", ["JN11AC220003"])
    request = inspected(time_machine, customer=customer, partner=partner, staff=staff, inspector=inspector)
    with pytest.raises(Conflict) as requested:
        contract_rma_swap(
            contract=existing, user=staff, returned_serial="JN11AC220003", replacement_serial="JN11AC220001"
        )
    assert requested.value.code == "already_requested"
    assert f"JN11AC220001 is in open request {request.number}" in requested.value.detail
    # And should a chassis reach another contract by another way, approval says so.
    from contracts.models import ContractLine

    ContractLine.objects.create(
        contract=existing, equipment=Equipment.objects.get(serial_number="JN11AC220001")
    )
    order(request, customer, amount="6874.00")
    with pytest.raises(Conflict) as blocked:
        request_approve(request=request, user=other_staff)
    assert [m["condition"] for m in blocked.value.extra["missing"]] == ["not_covered_elsewhere"]
    assert "Already on a contract: JN11AC220001 (CT-2026-000050)." in blocked.value.detail
