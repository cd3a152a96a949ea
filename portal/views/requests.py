"""One request's page: status, what happens next, chassis, timeline, documents, quotes, and the
actions the viewer may take. It gathers from relicensing and contracts (and, next, inspections
and contracts issued), hence its place in the portal layer."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import User
from accounts.permissions import action_allowed
from contracts.selectors import quote_may_be_accepted
from relicensing import selectors
from relicensing.choices import REQUEST_WORKFLOW, RequestStatus
from relicensing.models import Request
from relicensing.request_forms import CancelForm, DocumentUploadForm, RejectForm
from relicensing.services.lifecycle import request_may_be_quoted
from relicensing.views.access import installed_base_page

_S = RequestStatus
# One sentence per status: what happens next, and who moves it on.
NEXT_STEPS = {
    _S.SUBMITTED: "The customer's partner now prepares a quote of the programme fees from the price book; "
    "nothing is owed until a quote is accepted.",
    _S.QUOTED: "The quote below waits for the customer or its partner to accept it before it expires; "
    "the partner can issue a new one meanwhile.",
    _S.QUOTE_ACCEPTED: "Programme staff now schedule the inspection at the site, on or after the preferred date.",
    _S.INSPECTION_SCHEDULED: "An inspector visits the site on the scheduled day and checks every chassis.",
    _S.INSPECTED: "The results are in and the quote is final: the partner sends a purchase order for its total.",
    _S.FAILED_INSPECTION: "No chassis passed inspection, so none can be reinstated; the inspection fees stay due.",
    _S.PO_RECEIVED: "Programme staff check the results, the licence proof and the order, then approve reinstatement.",
    _S.APPROVED: "Reinstatement is approved: the contract and the licence in the owner's name are being issued.",
    _S.REINSTATED: "Done: the equipment is under a service contract in the customer's name, with its licence.",
    _S.CANCELLED: "The request was withdrawn and nothing more happens; its chassis can go into a new request.",
    _S.REJECTED: "Programme staff rejected the request for the reason shown; its chassis can go into a new "
    "request once the reason is dealt with.",
}


@installed_base_page
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    target = selectors.request_get(user=user, pk=pk)
    return render(request, "relicensing/requests/detail.html", detail_context(user=user, target=target))


def detail_context(*, user: User, target: Request) -> dict[str, Any]:
    quotes = list(target.quotes.select_related("issued_by", "accepted_by").prefetch_related("lines"))
    current = next((quote for quote in quotes if quote.is_current), None)
    return {
        "rq": target,
        "items": target.items.select_related("equipment__product", "registration"),
        "timeline": target.transitions.select_related("actor__organization"),
        "documents": target.documents.select_related("uploaded_by", "verified_by"),
        "current_quote": current,
        "quote_history": [quote for quote in quotes if quote is not current],
        "next_step": NEXT_STEPS[RequestStatus(target.status)],
        "can_cancel": action_allowed(user, "request_cancel", target)
        and REQUEST_WORKFLOW.allows(target.status, RequestStatus.CANCELLED),
        "can_reject": action_allowed(user, "request_reject", target)
        and REQUEST_WORKFLOW.allows(target.status, RequestStatus.REJECTED),
        "can_quote": action_allowed(user, "quote_issue", target) and request_may_be_quoted(target),
        "can_accept": current is not None and quote_may_be_accepted(user=user, quote=current),
        "can_upload": action_allowed(user, "document_upload", target) and target.is_open,
        "can_verify": action_allowed(user, "document_verify", target),
        "upload_form": DocumentUploadForm(),
        "cancel_form": CancelForm(),
        "reject_form": RejectForm(),
    }
