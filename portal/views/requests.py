"""One request's page: status, what happens next, chassis, timeline, documents, quotes, and the
actions the viewer may take. It gathers from relicensing, contracts and inspections (and, next,
contracts issued), hence its place in the portal layer."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Value
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.choices import Role
from accounts.models import User
from accounts.permissions import action_allowed
from common.errors import DomainError, InvalidInput
from common.formats import money
from common.pages import errors_onto
from contracts.models import Contract, PurchaseOrder
from contracts.selectors import quote_may_be_accepted
from contracts.services.orders import final_quote, purchase_order_receive
from contracts.views import approval_row
from inspections.models import Inspection
from inspections.selectors import inspections_visible
from relicensing import selectors
from relicensing.choices import REQUEST_WORKFLOW, RequestStatus
from relicensing.message_forms import MessageForm
from relicensing.models import Request
from relicensing.next_steps import next_steps
from relicensing.request_forms import (
    DOCUMENT_ACCEPT,
    CancelForm,
    DocumentUploadForm,
    RejectForm,
    checked_document,
)
from relicensing.services.lifecycle import request_may_be_quoted
from relicensing.services.messages import messages_visible
from relicensing.views.access import installed_base_page


class PurchaseOrderForm(forms.Form):
    po_number = forms.CharField(
        label="Purchase order number",
        max_length=64,
        help_text="Your own order number, as on the order document.",
        error_messages={"required": "Give your purchase order number."},
    )
    amount = forms.CharField(
        label="Amount",
        max_length=40,
        help_text="The final quote's total exactly.",
        error_messages={"required": "Give the order's amount."},
    )
    document = forms.FileField(
        label="Order document",
        required=False,
        help_text="The purchase order as a PDF, PNG or JPEG, at most 10 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_ACCEPT}),
    )

    def clean_document(self) -> Any:
        return checked_document(self.cleaned_data.get("document"))


def assigned_inspector_to_visit(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """An inspector has no request page; the one assigned to the request's visit is sent to the
    visit's page, which holds the request's conversation (a message's notice links to the request).
    Any other inspector meets the request page's refusal, as before."""

    @wraps(view)
    def wrapper(request: HttpRequest, pk: int) -> HttpResponse:
        user = request.user
        if request.method in ("GET", "HEAD") and user.is_authenticated and user.role == Role.INSPECTOR:  # type: ignore[union-attr]
            visit = inspections_visible(user=user).filter(request_id=pk).values_list("pk", flat=True).first()  # type: ignore[arg-type]
            if visit is not None:
                return redirect(reverse("inspection-detail", args=[visit]) + "#conversation")
        return view(request, pk)

    return wrapper


@assigned_inspector_to_visit
@installed_base_page
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The request's page; a POST on it sends the purchase order from the form the page holds,
    so a refused order comes back beside its fields with what was typed."""
    user: User = request.user  # type: ignore[assignment]
    target = selectors.request_get(user=user, pk=pk)
    if request.method == "POST":
        return _purchase_order_send(request, target)
    return render(request, "relicensing/requests/detail.html", detail_context(user=user, target=target))


def _purchase_order_send(request: HttpRequest, target: Request) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = PurchaseOrderForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            order = purchase_order_receive(
                request=target,
                user=user,
                po_number=form.cleaned_data["po_number"],
                amount=form.cleaned_data["amount"].replace(",", "").strip(),
                document=form.cleaned_data["document"],
            )
        except InvalidInput as exc:
            errors_onto(form, exc)
        except DomainError as exc:
            form.add_error("amount" if exc.code == "amount_mismatch" else None, exc.detail)
        else:
            messages.success(
                request,
                f"Purchase order {order.po_number} for {money(order.amount, order.currency)} is received. "
                "Programme staff now check every condition and approve the reinstatement.",
            )
            return redirect(reverse("request-detail", args=[target.pk]) + "#order")
    target.refresh_from_db()
    context = detail_context(user=user, target=target) | {"order_form": form}
    return render(request, "relicensing/requests/detail.html", context)


def detail_context(*, user: User, target: Request) -> dict[str, Any]:
    quotes = list(target.quotes.select_related("issued_by", "accepted_by").prefetch_related("lines"))
    current = next((quote for quote in quotes if quote.is_current), None)
    return {
        "rq": target,
        "items": target.items.select_related("equipment__product", "registration"),
        **_conversation_context(user=user, target=target),
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
        **_order_context(user=user, target=target),
    }


def _conversation_context(*, user: User, target: Request) -> dict[str, Any]:
    """The conversation (internal notes for staff alone), and the timeline: the transitions and
    those messages, in the order they happened."""
    conversation = list(
        messages_visible(request=target, user=user).annotate(is_message=Value(True))  # type: ignore[misc]
    )
    transitions = list(target.transitions.select_related("actor__organization"))
    return {
        "conversation": conversation,
        "timeline": sorted([*transitions, *conversation], key=lambda step: step.at),
        "message_form": MessageForm(user=user),
    }


def _order_context(*, user: User, target: Request) -> dict[str, Any]:
    """The purchase order part: the form while the request is inspected and the reader may send
    it, then the order received, its approval state for staff, and the contract once issued."""
    order = PurchaseOrder.objects.filter(request=target).select_related("received_by").first()
    quote = final_quote(target) if order is None else None
    can_order = (
        order is None
        and quote is not None
        and target.status == RequestStatus.INSPECTED
        and action_allowed(user, "purchase_order_receive", target)
    )
    return {
        "order": order,
        "final_quote": quote,
        "can_order": can_order,
        "order_form": PurchaseOrderForm(initial={"amount": f"{quote.total:.2f}"}) if can_order else None,
        "approval": approval_row(request=target, user=user)
        if order is not None and user.is_programme_staff and target.status == RequestStatus.PO_RECEIVED
        else None,
        "contract": Contract.objects.filter(request=target).first() if order is not None else None,
    }
