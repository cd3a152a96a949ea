"""Purchase orders and staff approval of a reinstatement.

The customer (or its partner) orders the final quote's total; staff approve once every condition
holds, never the person who recorded the inspection results, and two different people above the
vendor's amount. The last approval moves the request to `approved` and, after commit, the worker
reinstates it (contracts.services.reinstatement).

Locks, in the order of common.workflow: the request, then its order and approvals.
"""

import logging
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import action_require
from common.errors import Conflict, DomainError, InvalidInput, NotPermitted
from common.formats import money
from common.numbers import number_next
from common.workflow import transition_start
from contracts.choices import ApprovalStatus, QuoteStatus, SkuKind
from contracts.models import Approval, ContractLine, PurchaseOrder, Quote
from relicensing.choices import DocumentKind, ItemOutcome, RequestStatus
from relicensing.models import Request
from relicensing.services.lifecycle import request_lock, request_transition
from relicensing.services.requests import chassis_why_not, document_check, request_chassis_ineligible

logger = logging.getLogger(__name__)

PO_NUMBER_MAX = 64


AMOUNT = re.compile(r"\d{1,12}(\.\d{1,2})?", re.ASCII)


def order_amount(value: Any, *, example: str = "4437.00") -> Decimal:
    """An order's amount as written: digits with at most two decimals ("4437.00"), nothing finer
    (4437.004 is not the total), nothing but ASCII digits; else 400 on `amount`."""
    text = str(value).strip()
    if not AMOUNT.fullmatch(text):
        raise InvalidInput(
            {"amount": [f"Give the order's amount in digits with at most two decimals, such as {example}."]}
        )
    return Decimal(text).quantize(Decimal("0.01"))


def final_quote(request: Request) -> Quote | None:
    """The quote an order must cover: the final one, after inspection."""
    return request.quotes.filter(status=QuoteStatus.ACCEPTED, is_final=True).first()


@transaction.atomic
def purchase_order_receive(
    *, request: Request, user: User, po_number: str, amount: Any, document: Any = None
) -> PurchaseOrder:
    """The customer's order for the final total (400 `amount_mismatch` naming both figures); the
    request moves to `po_received`. An optional PO document follows the documents' rules."""
    action_require(user, "purchase_order_receive", request)
    po_number = " ".join(str(po_number or "").split())
    errors: dict[str, list[str]] = {}
    if not po_number:
        errors["po_number"] = ["Give your purchase order number."]
    elif len(po_number) > PO_NUMBER_MAX or any(not ch.isprintable() for ch in po_number):
        errors["po_number"] = [f"A purchase order number is one line of at most {PO_NUMBER_MAX} characters."]
    try:
        ordered = order_amount(amount)
    except InvalidInput as exc:
        errors.update(exc.fields)
    if errors:
        raise InvalidInput(errors)
    if document is not None:
        document_check(upload=document)
    request = request_lock(request.pk)
    if request.status != RequestStatus.INSPECTED:
        raise Conflict(
            f"Request {request.number} is {request.get_status_display().lower()}; an order follows the "
            "final quote, after inspection.",
            code="invalid_transition",
            status=request.status,
        )
    quote = final_quote(request)
    if quote is None:  # inspected always has one; a guard against a half-written history
        raise Conflict(f"Request {request.number} has no final quote yet.", code="invalid_transition")
    if ordered != quote.total:
        raise DomainError(
            f"The order is for {money(ordered, quote.currency)}, but the final quote {quote.number} is "
            f"{money(quote.total, quote.currency)}; an order covers the final total exactly.",
            code="amount_mismatch",
            amount=str(ordered),
            final_total=str(quote.total),
        )
    order = PurchaseOrder.objects.create(
        request=request,
        quote=quote,
        po_number=po_number,
        amount=ordered,
        currency=quote.currency,
        received_by=user,
        document=document or "",
        document_name=(document.name[:255] if document is not None else ""),
    )
    transition_start(order, actor=user)
    request_transition(
        request=request,
        to=RequestStatus.PO_RECEIVED,
        actor=user,
        reason=f"Purchase order {po_number} for {money(ordered, quote.currency)} (final quote {quote.number}).",
        notice_context={"po_number": po_number, "total": str(ordered), "currency": quote.currency},
    )
    return order


@dataclass(frozen=True)
class Condition:
    key: str
    met: bool
    text: str  # what it says when met, or what is missing


def approval_conditions(*, request: Request) -> list[Condition]:
    """Each condition of reinstatement (DOMAIN.md, Reinstatement), met or what is missing."""
    items = list(request.items.select_related("equipment"))
    passed = [i for i in items if i.outcome == ItemOutcome.PASSED]
    pending = [i.equipment.serial_number for i in items if i.outcome == ItemOutcome.PENDING]
    quote = final_quote(request)
    order = PurchaseOrder.objects.filter(request=request).first()
    conditions = [
        Condition(
            "chassis_passed",
            bool(passed) and not pending,
            f"{len(passed)} chassis passed inspection and will be covered."
            if passed and not pending
            else "No chassis has passed inspection."
            if not pending
            else f"Not inspected yet: {', '.join(pending)}.",
        ),
        Condition(
            "order_covers_total",
            order is not None and quote is not None and order.amount == quote.total,
            f"Purchase order {order.po_number} covers the final total {money(quote.total, quote.currency)}."
            if order is not None and quote is not None and order.amount == quote.total
            else "No purchase order covers the final total.",
        ),
    ]
    licensed = _licence_position(request, quote, passed)
    conditions.append(
        Condition("licence_proven", not licensed, licensed or "The licence position is proven.")
    )
    covered = list(
        ContractLine.objects.filter(
            equipment__in=[i.equipment_id for i in passed], contract__ends_on__gte=timezone.localdate()
        ).select_related("equipment", "contract")
    )
    conditions.append(
        Condition(
            "not_covered_elsewhere",
            not covered,
            "No chassis is on another contract."
            if not covered
            else "Already on a contract: "
            + "; ".join(f"{c.equipment.serial_number} ({c.contract.number})" for c in covered)
            + ".",
        )
    )
    ineligible = request_chassis_ineligible(request=request, outcome=ItemOutcome.PASSED)
    conditions.append(
        Condition(
            "no_hold_or_flag",
            not ineligible,
            "No hold or flag on the chassis."
            if not ineligible
            else "A hold or flag appeared since: " + "; ".join(chassis_why_not(r) for r in ineligible) + ".",
        )
    )
    return conditions


def _licence_position(request: Request, quote: Quote | None, passed: list[Any]) -> str:
    """What is missing for the licence position ("" when proven): a verified proof of licence,
    or the OS-licence re-registration ordered for every chassis that passed."""
    if request.documents.filter(kind=DocumentKind.PROOF_OF_LICENSE, verified=True).exists():
        return ""
    ordered = (
        set(quote.lines.filter(kind=SkuKind.OS_LICENSE).values_list("equipment_id", flat=True))
        if quote
        else set()
    )
    unlicensed = [i.equipment.serial_number for i in passed if i.equipment_id not in ordered]
    if not unlicensed:
        return ""
    return (
        "Licence position not proven for " + ", ".join(unlicensed) + ": verify a proof of licence, or the "
        "OS-licence re-registration must be on the order."
    )


def approvals_needed(request: Request) -> int:
    quote = final_quote(request)
    return 2 if quote is not None and quote.total > request.vendor.two_approvals_above else 1


@dataclass(frozen=True)
class ApprovalState:
    approvals: int
    approvals_needed: int


@transaction.atomic
def request_approve(*, request: Request, user: User) -> ApprovalState:
    """Staff approve the reinstatement. 409 `approval_blocked` listing what is missing; 403
    `segregation_of_duties` for the person who recorded the inspection results or who already
    gave the first of two approvals. The last approval moves the request to `approved` and the
    worker reinstates it after commit."""
    action_require(user, "request_approve", request)
    request = request_lock(request.pk)  # approvals of one request queue here, one after another
    if request.status != RequestStatus.PO_RECEIVED:
        raise Conflict(
            f"Request {request.number} is {request.get_status_display().lower()}; approval follows the "
            "purchase order.",
            code="invalid_transition",
            status=request.status,
        )
    if user.pk in results_recorders(request):
        raise NotPermitted(
            "You recorded inspection results on this request; another member of staff approves it.",
            code="segregation_of_duties",
        )
    given = list(Approval.objects.filter(request=request, status=ApprovalStatus.GIVEN).select_for_update())
    if any(a.approver_id == user.pk for a in given):
        raise NotPermitted(
            "You gave the first approval; a second member of staff gives the other.",
            code="segregation_of_duties",
        )
    missing = [c for c in approval_conditions(request=request) if not c.met]
    if missing:
        raise Conflict(
            "Approval is blocked: " + " ".join(c.text for c in missing),
            code="approval_blocked",
            missing=[{"condition": c.key, "detail": c.text} for c in missing],
        )
    needed = approvals_needed(request)
    approval = Approval.objects.create(request=request, approver=user)
    transition_start(approval, actor=user)
    count = len(given) + 1
    if count < needed:
        request_transition(
            request=request,
            to=RequestStatus.PO_RECEIVED,
            actor=user,
            reason=f"First of {needed} approvals, by {user.display_name}; another member of staff gives the second.",
        )
        return ApprovalState(count, needed)
    sales_order = number_next(sequence="contracts_sales_order_seq", prefix="SO")
    PurchaseOrder.objects.filter(request=request).update(sales_order=sales_order)
    request_transition(
        request=request,
        to=RequestStatus.APPROVED,
        actor=user,
        reason=f"Approved{' (second approval)' if needed > 1 else ''}; sales order {sales_order}.",
    )
    transaction.on_commit(lambda: _reinstate_later(request.pk))
    return ApprovalState(count, needed)


def results_recorders(request: Request) -> set[int]:
    """Who recorded or corrected inspection results on this request. Read through the ORM path
    from the request (inspections sit above contracts in the app layers, so no import)."""
    recorded = Request.objects.filter(pk=request.pk).values_list(
        "inspection__lines__results__recorded_by", flat=True
    )
    return {pk for pk in recorded if pk is not None}


def _reinstate_later(request_id: int) -> None:
    from contracts.tasks import request_reinstate

    try:
        request_reinstate.delay(request_id)
    except Exception:  # the broker is down: the sweep picks approved requests up
        logger.warning("Broker unreachable; request %s waits for the sweep", request_id)
