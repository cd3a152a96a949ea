"""What happens next on a request, told to the person reading it, from the lifecycle table and the
actions that exist: a page never promises a step nobody can take.

For each status a request can move into, MOVES names the action (a key of
accounts.permissions.ACTIONS) that moves it there. A move of the programme the portal does not
perform yet is in NOT_YET instead, and is said to be arranged outside the portal. The sentences
come from the table: who may act is read from the permission rules, so changing a rule changes
the words.
"""

from dataclasses import dataclass

from accounts.choices import Role
from accounts.models import User
from accounts.permissions import ACTIONS, Relation, action_allowed
from relicensing.choices import REQUEST_WORKFLOW, RequestStatus
from relicensing.models import Request

_S = RequestStatus


@dataclass(frozen=True)
class Move:
    action: str  # a key of accounts.permissions.ACTIONS
    does: str  # what doing it means, after "can": "issue a quote ..."
    leaves: bool = False  # cancelling or rejecting: offered, but not the way forward
    again: str = ""  # what it means from the status it leads to (a new quote superseding the last)
    on: str = ""  # the request's child the action is done to ("inspection"), when not the request


MOVES: dict[str, Move] = {
    _S.QUOTED: Move(
        "quote_issue",
        "issue a quote of the programme fees from the price book",
        again="issue a new quote, which supersedes the current one",
    ),
    _S.QUOTE_ACCEPTED: Move("quote_accept", "accept the quote; its fees are then owed and non-refundable"),
    _S.INSPECTION_SCHEDULED: Move(
        "inspection_schedule",
        "book the inspection at the site, with an inspector who covers its country",
        on="inspection",
    ),
    _S.INSPECTED: Move(
        "inspection_results_record",
        "record the inspection results, chassis by chassis, on or after the visit day",
        on="inspection",
    ),
    _S.PO_RECEIVED: Move("purchase_order_receive", "send the purchase order for the final quote's total"),
    _S.APPROVED: Move(
        "request_approve",
        "approve the reinstatement once every condition holds (two approvals above the vendor's amount)",
    ),
    _S.CANCELLED: Move("request_cancel", "cancel the request", leaves=True),
    _S.REJECTED: Move("request_reject", "reject the request, giving the customer the reason", leaves=True),
}

# Steps of the programme still done outside the portal, by the status they lead to.
# (failed_inspection is the same step as inspected: recording the results, named once.)
NOT_YET: dict[str, str] = {}

# Moves nobody takes: the system makes them, and the page says so.
AUTOMATIC: dict[str, str] = {
    _S.REINSTATED: "The service contract is being issued in {customer}'s name, with the licences; it shows "
    "here within minutes, and a welcome notice with the contract number follows.",
}

# How the end of the road reads, per closed status.
CLOSED: dict[str, str] = {
    _S.FAILED_INSPECTION: "No chassis passed inspection, so none can be reinstated; the inspection fees stay due.",
    _S.REINSTATED: "Done: the equipment is under a service contract in the customer's name, with its licence.",
    _S.CANCELLED: "The request was withdrawn and nothing more happens; its chassis can go into a new request.",
    _S.REJECTED: "Programme staff rejected the request for the reason shown; its chassis can go into a new "
    "request once the reason is dealt with.",
}

_WHO = {Relation.INSPECTOR: "the assigned inspector", Relation.STAFF: "programme staff"}


@dataclass(frozen=True)
class NextSteps:
    forward: list[str]  # sentences: the way forward
    also: list[str]  # sentences: what else the reader may do (cancel, reject)

    @property
    def text(self) -> str:
        return " ".join(self.forward + self.also)


def next_steps(*, request: Request, user: User) -> NextSteps:
    status = request.status
    if status in CLOSED:
        return NextSteps(forward=[CLOSED[status]], also=[])
    forward: list[str] = []
    also: list[str] = []
    onward = sorted(
        # po_received -> po_received is the first of two approvals, told with the approval itself
        (to for to in REQUEST_WORKFLOW.moves[status] if not (to == status == _S.PO_RECEIVED)),
        key=lambda to: (to == status, list(RequestStatus).index(to)),
    )
    for to in onward:
        move = MOVES.get(to)
        if move is None:
            continue
        sentence = _sentence(move, request=request, user=user, again=to == status)
        if sentence:
            (also if move.leaves else forward).append(sentence)
    for to in onward:
        if to in AUTOMATIC:
            forward.append(
                AUTOMATIC[to].format(
                    customer="your organisation" if user.role == Role.CUSTOMER else request.customer.name
                )
            )
    later = [NOT_YET[to] for to in onward if to in NOT_YET and to not in MOVES and to != _S.FAILED_INSPECTION]
    if not forward and later:
        forward.append(
            f"Next comes {later[0]}, which the portal does not do yet: programme staff arrange it with "
            f"{'you' if user.role == Role.CUSTOMER else request.customer.name} directly."
        )
    return NextSteps(forward=forward, also=also)


def _sentence(move: Move, *, request: Request, user: User, again: bool) -> str:
    does = move.again if again and move.again else move.does
    lead = "You can also" if move.leaves or again else "Next, you can"
    acted_on = _child(request, move.on) if move.on else request
    if action_allowed(user, move.action, acted_on or request):
        return f"{lead} {does}."
    if move.leaves:
        return ""  # another person's way out is not the reader's business here
    who = " or ".join(
        _who(relation, request=request, user=user) for relation in _ordered(ACTIONS[move.action].who)
    )
    return f"{'Meanwhile' if again else 'Next'}, {who} can {does}."


def _who(relation: Relation, *, request: Request, user: User) -> str:
    """Who may act, as this reader says it: "your partner" to the customer, its name to others."""
    reader_is_customer = user.role == Role.CUSTOMER  # a customer only ever reads its own requests
    if relation == Relation.OWNER:
        return "you" if reader_is_customer else request.customer.name
    if relation == Relation.PARTNER:
        return "your partner" if reader_is_customer else f"the partner of {request.customer.name}"
    return _WHO[relation]


def _ordered(relations: frozenset[Relation]) -> list[Relation]:
    return [relation for relation in Relation if relation in relations]


def _child(request: Request, name: str) -> object | None:
    """The request's one child of that name (its inspection), or None before it exists."""
    try:
        return getattr(request, name)
    except AttributeError:  # a missing one-to-one child raises a subclass of it
        return None
