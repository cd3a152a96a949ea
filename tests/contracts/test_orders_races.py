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
        pause_at=[(reinstatement, "units_lock")],
    )
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    assert outcomes[0].value == outcomes[1].value == Contract.objects.get(request=ordered)
    # One embedded licence issued per chassis, not two.
    assert SoftwareLicence.objects.filter(licensee=ordered.customer).count() == 2
