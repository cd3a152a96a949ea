"""One request's page: status, what happens next, chassis, timeline, documents, quotes, and the
actions the viewer may take. It gathers from relicensing, contracts and inspections (and, next,
contracts issued), hence its place in the portal layer."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import User
from accounts.permissions import action_allowed
from contracts.selectors import quote_may_be_accepted
from inspections.models import Inspection
from relicensing import selectors
from relicensing.choices import REQUEST_WORKFLOW, RequestStatus
from relicensing.models import Request
from relicensing.next_steps import next_steps
from relicensing.request_forms import CancelForm, DocumentUploadForm, RejectForm
from relicensing.services.lifecycle import request_may_be_quoted
from relicensing.views.access import installed_base_page


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
        "inspection": Inspection.objects.filter(request=target).select_related("inspector").first(),
        "quote_history": [quote for quote in quotes if quote is not current],
        "next_steps": next_steps(request=target, user=user),
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
