"""Approval and reinstatement under concurrency, against the real database (tests/races.py).
Each test names the guard it proves; with that guard removed it fails."""

from unittest import mock

import pytest

from common.errors import Conflict
from contracts.models import Contract
from contracts.services import orders, reinstatement
from contracts.services.orders import purchase_order_receive
from relicensing.models import SoftwareLicence
from tests.contracts.ordering import inspected, prepared
from tests.factories import UserFactory
from tests.races import race

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ordered(frozen_friday, juniper, acx2200, inspector, customer, partner, staff, time_machine):
    prepared(inspector, juniper)
    request = inspected(time_machine, customer=customer, partner=partner, staff=staff, inspector=inspector)
    purchase_order_receive(request=request, user=customer, po_number="PO-1", amount="6874.00")
    return request


def test_ten_approvals_at_once_issue_one_contract(ordered, operator):
    # Guard: the request lock in request_approve, then the status check under it. Ten members of
    # staff approve at the same moment (each reinstatement runs in its thread after its commit,
    # Celery being eager in tests); all pause after reading the approval conditions. With the lock
    # the first approves and the other nine find the request approved: 409. Without it all ten
    # pass the check and race into the approval rows, the sales order and the transition: the
    # outcome is no longer one clean approval and one contract.
    approvers = [UserFactory(username=f"approver{n}", organization=operator, role="staff") for n in range(10)]
    outcomes = race(
        *[(lambda user=user: orders.request_approve(request=ordered, user=user)) for user in approvers],
        pause_at=[(orders, "approval_conditions")],
        before=False,
    )
    assert sum(o.ok for o in outcomes) == 1, [o.error for o in outcomes]
    assert all(
        o.ok or (isinstance(o.error, Conflict) and o.error.code == "invalid_transition") for o in outcomes
    )
    assert Contract.objects.filter(request=ordered).count() == 1
    ordered.refresh_from_db()
    assert ordered.status == "reinstated"


def test_the_reinstatement_running_twice_at_once_issues_one_contract(
    ordered, staff, django_capture_on_commit_callbacks
):
    # Guard: the request lock in request_reinstate and the status check under it; behind it the
    # unique key on Contract.request. The approval commits without its after-commit task, then two
    # workers run the reinstatement together, each pausing after its status check, before it locks
    # the units. With the request lock the second waits before its check, then finds the request
    # reinstated and answers with the same contract; without it both pass the check, and the
    # second's contract is refused by the unique key (an error, where a repeat should be quiet).
    with mock.patch.object(orders, "_reinstate_later"):  # the worker has not picked it up yet
        orders.request_approve(request=ordered, user=staff)
    ordered.refresh_from_db()
    assert ordered.status == "approved"
    outcomes = race(
        lambda: reinstatement.request_reinstate(request_id=ordered.pk),
        lambda: reinstatement.request_reinstate(request_id=ordered.pk),
        pause_at=[(reinstatement, "units_hold")],
    )
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    assert outcomes[0].value == outcomes[1].value == Contract.objects.get(request=ordered)
    # One embedded licence issued per chassis, not two.
    assert SoftwareLicence.objects.filter(licensee=ordered.customer).count() == 2


def test_an_import_of_the_same_vendor_does_not_hold_up_a_reinstatement(ordered, staff):
    # Guard (for latency, issue 11): reinstatement holds its units' rows (units_hold), not their
    # serial locks. A bulk import holds the serial locks of a whole chunk (practically all of the
    # vendor's 1,024 buckets) until the chunk commits; here a thread holds exactly the locks of the
    # request's chassis, as such a chunk would, while the reinstatement runs. It must finish while
    # they are held. With the serial locks back in reinstatement it waits for the "import" to let
    # go (3 s), and the reinstatement ends after the release: red.
    import threading

    from django.db import connection, transaction

    from relicensing.locks import serials_lock

    with mock.patch.object(orders, "_reinstate_later"):
        orders.request_approve(request=ordered, user=staff)
    units = [
        (i.equipment.vendor_id, i.equipment.serial_number) for i in ordered.items.select_related("equipment")
    ]
    held, reinstated = threading.Event(), threading.Event()
    released_before_reinstated: list[bool] = []

    def import_chunk() -> None:
        try:
            with transaction.atomic():
                serials_lock(units)
                held.set()
                reinstated.wait(3)
                released_before_reinstated.append(not reinstated.is_set())
        finally:
            connection.close()

    chunk = threading.Thread(target=import_chunk)
    chunk.start()
    assert held.wait(10)
    contract = reinstatement.request_reinstate(request_id=ordered.pk)
    reinstated.set()
    chunk.join(10)
    assert released_before_reinstated == [False]
    assert contract is not None and contract.lines.count() == 2
