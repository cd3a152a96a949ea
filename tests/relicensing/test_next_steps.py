"""What happens next, as each reader is told: from the lifecycle table and the actions that
exist, never a step nobody can take. Expected sentences are written out by hand."""

import pytest

from accounts.permissions import ACTIONS
from relicensing.choices import REQUEST_WORKFLOW, RequestStatus
from relicensing.next_steps import AUTOMATIC, MOVES, NOT_YET, next_steps
from relicensing.services.lifecycle import request_transition
from tests.relicensing.registering import register
from tests.relicensing.requesting import open_request

pytestmark = pytest.mark.django_db

S = RequestStatus
# How a new request reaches each open status (by hand, along API.md's lifecycle).
ROUTE = {
    S.SUBMITTED: [],
    S.QUOTED: [S.QUOTED],
    S.QUOTE_ACCEPTED: [S.QUOTED, S.QUOTE_ACCEPTED],
    S.INSPECTION_SCHEDULED: [S.QUOTED, S.QUOTE_ACCEPTED, S.INSPECTION_SCHEDULED],
    S.INSPECTED: [S.QUOTED, S.QUOTE_ACCEPTED, S.INSPECTION_SCHEDULED, S.INSPECTED],
    S.PO_RECEIVED: [S.QUOTED, S.QUOTE_ACCEPTED, S.INSPECTION_SCHEDULED, S.INSPECTED, S.PO_RECEIVED],
    S.APPROVED: [S.QUOTED, S.QUOTE_ACCEPTED, S.INSPECTION_SCHEDULED, S.INSPECTED, S.PO_RECEIVED, S.APPROVED],
}
QUOTE = "issue a quote of the programme fees from the price book"


@pytest.fixture
def at(customer, staff, acx2200, frozen_friday):
    def reach(status):
        request = open_request(customer, register(customer))
        for step in ROUTE[status]:
            request_transition(request=request, to=step, actor=staff)
        return request

    return reach


@pytest.mark.parametrize(
    ("status", "who", "expected"),
    [
        (
            S.SUBMITTED,
            "customer",
            f"Next, your partner or programme staff can {QUOTE}. You can also cancel the request.",
        ),
        (S.SUBMITTED, "partner", f"Next, you can {QUOTE}. You can also cancel the request."),
        (
            S.SUBMITTED,
            "staff",
            f"Next, you can {QUOTE}. You can also reject the request, giving the customer the reason.",
        ),
        (S.SUBMITTED, "inspector", f"Next, the partner of Acme Networks or programme staff can {QUOTE}."),
        (
            S.QUOTED,
            "customer",
            "Next, you can accept the quote; its fees are then owed and non-refundable. Meanwhile, your partner "
            "or programme staff can issue a new quote, which supersedes the current one. You can also cancel "
            "the request.",
        ),
        (
            S.QUOTE_ACCEPTED,
            "customer",
            "Next, programme staff can book the inspection at the site, with an inspector who covers its "
            "country. You can also cancel the request.",
        ),
        (
            S.INSPECTION_SCHEDULED,
            "customer",
            "Next, the assigned inspector or programme staff can record the inspection results, chassis by "
            "chassis, on or after the visit day. You can also cancel the request.",
        ),
        (
            S.PO_RECEIVED,
            "partner",
            "Next, programme staff can approve the reinstatement once every condition holds (two approvals "
            "above the vendor's amount).",
        ),
        (
            S.APPROVED,
            "customer",
            "The service contract is being issued in your organisation's name, with the licences; it shows "
            "here within minutes, and a welcome notice with the contract number follows.",
        ),
    ],
)
def test_each_reader_is_told_in_their_own_words(at, everyone, status, who, expected):
    assert next_steps(request=at(status), user=everyone[who]).text == expected


def test_every_open_status_names_an_action_someone_can_take_or_says_the_system_takes_it():
    for status in REQUEST_WORKFLOW.open:
        onward = REQUEST_WORKFLOW.moves[status]
        actions = [MOVES[to].action for to in onward if to in MOVES]
        assert all(action in ACTIONS and ACTIONS[action].who for action in actions), status
        forward_in_portal = [to for to in onward if to in MOVES and not MOVES[to].leaves]
        assert forward_in_portal or any(to in NOT_YET or to in AUTOMATIC for to in onward), status
        assert actions, status  # at least a way out (cancel, reject) exists from every open status


def test_closed_statuses_say_how_it_ended(at, customer, staff):
    request = at(S.SUBMITTED)
    request_transition(request=request, to=S.CANCELLED, actor=customer)
    assert next_steps(request=request, user=customer).text == (
        "The request was withdrawn and nothing more happens; its chassis can go into a new request."
    )
