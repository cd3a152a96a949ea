"""Pages: the partner's quote builder, one quote's page, its PDF, and accepting a quote; the staff
approval queue; contracts found by number, serial or sales order, one contract's page with its
welcome kit and the owner's correction of the install site.

The builder previews every line through contracts.pricing and issues through quote_issue, with
the previewed add-ons, reference and note, so the quote issued is the one the partner saw.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from accounts.permissions import action_allowed, action_require
from common.errors import DomainError, InvalidInput, NotPermitted
from common.formats import day, money
from common.pages import errors_onto, post_only
from contracts import selectors
from contracts.choices import ApprovalStatus, QuoteStatus
from contracts.forms import AddonForm, QuoteRemarksForm, addons_signature, remarks_signature
from contracts.models import Approval, Contract, PurchaseOrder, Quote
from contracts.orders_api import contracts_visible
from contracts.pdf import quote_pdf_stored, welcome_kit_pdf
from contracts.selectors import quote_may_be_accepted
from contracts.services import orders
from contracts.services import quotes as services
from contracts.services.contracts import contract_site, contract_site_correct
from relicensing.choices import RequestStatus
from relicensing.models import Registration, Request
from relicensing.request_forms import SiteForm
from relicensing.selectors import request_get
from relicensing.serials import serial_normalise
from relicensing.services.lifecycle import request_may_be_quoted
from relicensing.views.access import installed_base_page, staff_page
from relicensing.views.confirm import confirm_page


def _money(quote: Quote) -> str:
    return money(quote.total, quote.currency)


@installed_base_page
def quote_builder(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    target = request_get(user=user, pk=pk)
    action_require(user, "quote_issue", target)
    if not request_may_be_quoted(target):
        messages.error(
            request,
            f"Request {target.number} is {target.get_status_display().lower()}; quotes are issued while "
            "it is submitted or quoted.",
        )
        return redirect("request-detail", pk=pk)
    items = list(selectors.quote_items(request=target))
    data = request.POST if request.method == "POST" else None
    form, remarks = AddonForm(data, items=items), QuoteRemarksForm(data)
    addons, shown = form.addons(), remarks.remarks()
    context = {
        "rq": target,
        "form": form,
        "remarks": remarks,
        "shown": shown,
        "previewed": addons_signature(addons),
        "previewed_remarks": remarks_signature(shown),
        "changed": "",
    }
    try:
        context["preview"] = selectors.quote_preview(items=items, addons=addons)
    except DomainError as exc:  # a product lacks a fee SKU: say which, preview nothing
        context["missing"] = exc.detail
    if (
        request.POST.get("action") == "issue"
        and form.is_valid()
        and remarks.is_valid()
        and "preview" in context
    ):
        context["changed"] = _changed_since_preview(request, context)
        if not context["changed"]:
            return _issue(request, target, (form, remarks), addons) or _render_builder(
                request, target, context
            )
    return _render_builder(request, target, context)


def _changed_since_preview(request: HttpRequest, context: dict) -> str:
    """What was edited after the last preview ("" when nothing): the new preview is shown first."""
    quantities = request.POST.get("previewed", "") != context["previewed"]
    words = request.POST.get("previewed_remarks", "") != context["previewed_remarks"]
    return " and ".join(
        what for what, changed in (("quantities", quantities), ("reference or note", words)) if changed
    )


def _issue(
    request: HttpRequest, target: Request, forms: tuple[AddonForm, QuoteRemarksForm], addons: list
) -> HttpResponse | None:
    form, remarks = forms
    try:
        quote = services.quote_issue(
            request=target,
            user=request.user,  # type: ignore[arg-type]
            addons=addons,
            reference=remarks.cleaned_data["reference"],
            note=remarks.cleaned_data["note"],
        )
    except InvalidInput as exc:
        for field in ("reference", "note"):
            for message in exc.fields.pop(field, []):
                remarks.add_error(field, message)
        if exc.fields:  # the add-ons' own errors (a SKU that no longer applies, say)
            form.add_error(None, [message for messages in exc.fields.values() for message in messages])
    except DomainError as exc:
        form.add_error(None, exc.detail)
    else:
        who = "You or the customer" if request.user.role == Role.PARTNER else "The customer or its partner"  # type: ignore[union-attr]
        messages.success(
            request,
            f"Quote {quote.number} is issued: {_money(quote)}, valid until {day(quote.valid_until)}. "
            f"{who} can accept it below.",
        )
        return redirect("request-detail", pk=target.pk)
    return None


def _issuer_of(request: HttpRequest, target: Request) -> selectors.QuoteIssuer:
    """Who a quote issued now would be from, for the preview."""
    return selectors.quote_issuer(issued_by=request.user, vendor=target.vendor)  # type: ignore[arg-type]


def _render_builder(request: HttpRequest, target: Request, context: dict) -> HttpResponse:
    current = target.quotes.filter(status=QuoteStatus.ISSUED).first()
    context |= {
        "rows": context["form"].rows(),
        "issuer": _issuer_of(request, target),
        "current": current,
        "valid_until": timezone.localdate() + dt.timedelta(days=target.vendor.quote_valid_days),
    }
    return render(request, "contracts/quote_builder.html", context)


@installed_base_page
def quote_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    quote = selectors.quote_get(user=user, pk=pk)
    context = {
        "quote": quote,
        "rq": quote.request,
        "issuer": selectors.issuer_of(quote),
        "site_country": selectors.country_name(quote.request.site_country),
        "can_accept": quote_may_be_accepted(user=user, quote=quote),
    }
    return render(request, "contracts/quote_detail.html", context)


@installed_base_page
def quote_pdf_download(request: HttpRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_get(user=request.user, pk=pk)  # type: ignore[arg-type]
    response = HttpResponse(quote_pdf_stored(quote), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{quote.number}.pdf"'
    return response


@installed_base_page
@post_only("quote-detail")
def quote_accept(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    quote = selectors.quote_get(user=user, pk=pk)
    action_require(user, "quote_accept", quote)  # before asking to confirm
    request_url = reverse("request-detail", args=[quote.request_id])
    if not request.POST.get("confirmed"):
        return confirm_page(
            request,
            title=f"Accept quote {quote.number}?",
            details=[
                ("Request", f"{quote.request.number} · {quote.request.customer.name}"),
                ("Total", _money(quote)),
                ("Valid until", day(quote.valid_until)),
            ],
            consequence="Every fee in the programme is non-refundable. By accepting you agree to pay "
            "these fees; the inspection fee is owed for each chassis whether it passes or fails.",
            action="Accept the quote and its non-refundable fees",
            action_class="btn-primary",
            cancel_url=request_url,
        )
    try:
        services.quote_accept(quote=quote, user=user)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request,
            f"Quote {quote.number} is accepted. Next comes the inspection at the site: programme staff book it "
            "with an inspector who covers the site's country, and you will be told the date.",
        )
    return redirect(request_url)


# --- the staff approval queue ----------------------------------------------------------------
@dataclass(frozen=True)
class QueueRow:
    """One request waiting for approval, as the queue shows it to the reader."""

    request: Request
    order: PurchaseOrder
    conditions: list[orders.Condition]
    approvals: list[Approval]
    needed: int
    recorders: list[str]
    refusal: str  # why the reader may not approve it ("" when the reader may)

    @property
    def ready(self) -> bool:
        return all(condition.met for condition in self.conditions)


def approval_row(*, request: Request, user: User) -> QueueRow:
    recorder_ids = orders.results_recorders(request)
    approvals = list(
        Approval.objects.filter(request=request, status=ApprovalStatus.GIVEN).select_related("approver")
    )
    refusal = ""
    if user.pk in recorder_ids:
        refusal = "You recorded results on this request; another member of staff approves it."
    elif any(approval.approver_id == user.pk for approval in approvals):
        refusal = "You gave the first approval; another member of staff gives the second."
    return QueueRow(
        request=request,
        order=PurchaseOrder.objects.select_related("received_by", "quote").get(request=request),
        conditions=orders.approval_conditions(request=request),
        approvals=approvals,
        needed=orders.approvals_needed(request),
        recorders=sorted(u.display_name for u in User.objects.filter(pk__in=recorder_ids)),
        refusal=refusal,
    )


@staff_page
def approval_queue(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    waiting = (
        Request.objects.visible_to(user)
        .filter(status=RequestStatus.PO_RECEIVED)
        .select_related("customer", "vendor")
        .order_by("purchase_order__received_at", "pk")
    )
    rows = [approval_row(request=target, user=user) for target in waiting]
    return render(request, "contracts/approvals.html", {"rows": rows})


@staff_page
@post_only("approval-queue")
def approval_give(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    target = request_get(user=user, pk=pk)
    queue = reverse("approval-queue")
    if target.status != RequestStatus.PO_RECEIVED:
        messages.error(
            request,
            f"Request {target.number} is {target.get_status_display().lower()}; only a request with its "
            "purchase order received waits for approval.",
        )
        return redirect(queue)
    row = approval_row(request=target, user=user)
    if row.refusal:
        messages.error(request, f"Request {target.number}: {row.refusal}")
        return redirect(queue)
    if not request.POST.get("confirmed"):
        return confirm_page(request, **_approval_question(row, cancel_url=queue))
    try:
        state = orders.request_approve(request=target, user=user)
    except (DomainError, NotPermitted) as exc:
        messages.error(request, f"Request {target.number} is not approved. {exc.detail}")
        return redirect(queue)
    if state.approvals < state.approvals_needed:
        messages.success(
            request,
            f"Your approval of request {target.number} is recorded ({state.approvals} of "
            f"{state.approvals_needed}). Another member of staff gives the second.",
        )
        return redirect(queue)
    messages.success(
        request,
        f"Request {target.number} is approved. The equipment, its licence and a service contract are put in "
        f"{target.customer.name}'s name; the contract shows on this page once issued.",
    )
    return redirect("request-detail", pk=target.pk)


def _approval_question(row: QueueRow, *, cancel_url: str) -> dict:
    target, customer = row.request, row.request.customer.name
    last = len(row.approvals) + 1 >= row.needed
    consequence = (
        f"Approving issues the service contract in {customer}'s name: the equipment and its licence are "
        "put in its name and the previous owner's licence ends. This cannot be undone."
        if last
        else f"This is approval {len(row.approvals) + 1} of {row.needed}. When another member of staff "
        f"gives the second, the service contract is issued in {customer}'s name. This cannot be undone."
    )
    return {
        "title": f"Approve request {target.number}?",
        "details": [
            ("Customer", customer),
            ("Site", target.site_name),
            ("Purchase order", f"{row.order.po_number} · {money(row.order.amount, row.order.currency)}"),
        ],
        "consequence": consequence,
        "action": f"Approve and issue the contract in {customer}'s name"
        if last
        else "Give the first approval",
        "action_class": "btn-primary",
        "cancel_url": cancel_url,
    }


# --- contracts -------------------------------------------------------------------------------
CONTRACTS_PER_PAGE = 25


def contracts_matching(contracts: QuerySet[Contract], query: str) -> QuerySet[Contract]:
    """Contracts whose number, sales order or a serial on the inventory is the query."""
    found = Contract.objects.filter(
        Q(number__iexact=query)
        | Q(sales_order__iexact=query)
        | Q(lines__equipment__serial_number=serial_normalise(query))
    )
    return contracts.filter(pk__in=found.values("pk"))


@installed_base_page
def contract_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    query = " ".join(request.GET.get("q", "").split())[:64]
    contracts = contracts_visible(user)
    if query:
        contracts = contracts_matching(contracts, query)
    page = Paginator(contracts, CONTRACTS_PER_PAGE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    context = {
        "page": page,
        "rows": [(contract, contract.status_on(today)) for contract in page],
        "query": query,
        "show_owner": user.role != Role.CUSTOMER,
    }
    return render(request, "contracts/contract_list.html", context)


def _contract_get(user: User, number: str) -> Contract:
    contract = contracts_visible(user).select_related("request").filter(number__iexact=number).first()
    if contract is None:
        raise Http404
    return contract


class SiteCorrectionForm(SiteForm):
    reason = forms.CharField(
        label="Why it changes",
        max_length=1000,
        help_text="Kept in the contract's history.",
        error_messages={"required": "Say why the site or contact changes; it is kept in the history."},
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields[
            "address"
        ].help_text = "Where the equipment is installed: building, street, town, postcode."
        self.fields["contact_name"].help_text = "Who support contacts at the site."


@installed_base_page
def contract_detail(request: HttpRequest, number: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    contract = _contract_get(user, number)
    return _render_contract(request, contract, SiteCorrectionForm(initial=contract_site(contract)))


def _render_contract(
    request: HttpRequest, contract: Contract, form: SiteCorrectionForm, *, renewal: Any = None
) -> HttpResponse:
    """The contract's page; `renewal` is its renewal card when a renewal form was refused (the card
    then shows the form with its errors), else the card is built afresh."""
    from contracts.renewal_views import renewal_card  # the renewal pages render through this one

    user: User = request.user  # type: ignore[assignment]
    lines = list(contract.lines.all())
    units = dict(
        Registration.objects.visible_to(user)
        .filter(organization=contract.owner, equipment_id__in=[line.equipment_id for line in lines])
        .values_list("equipment_id", "pk")
    )
    context = {
        "contract": contract,
        "status": contract.status_on(timezone.localdate()),
        "lines": [(line, units.get(line.equipment_id)) for line in lines],
        "events": contract.events.all(),
        "can_correct": action_allowed(user, "contract_site_correct", contract),
        "site_form": form,
        "correcting": form.is_bound,
        "renewal": renewal or renewal_card(user, contract),
    }
    return render(request, "contracts/contract_detail.html", context)


@installed_base_page
def contract_site_edit(request: HttpRequest, number: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    contract = _contract_get(user, number)
    if request.method != "POST":
        return redirect(reverse("contract-detail", args=[contract.number]) + "#site")
    action_require(user, "contract_site_correct", contract)
    form = SiteCorrectionForm(request.POST)
    if form.is_valid():
        site = {k: v for k, v in form.cleaned_data.items() if k != "reason"}
        try:
            contract_site_correct(contract=contract, user=user, site=site, reason=form.cleaned_data["reason"])
        except InvalidInput as exc:
            errors_onto(form, exc)
        else:
            messages.success(
                request, "The install site and contact are corrected; the history keeps what they were."
            )
            return redirect(reverse("contract-detail", args=[contract.number]) + "#site")
    return _render_contract(request, contract, form)


@installed_base_page
def contract_welcome_kit(request: HttpRequest, number: str) -> HttpResponse:
    contract = _contract_get(request.user, number)  # type: ignore[arg-type]
    response = HttpResponse(welcome_kit_pdf(contract), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="welcome-kit-{contract.number}.pdf"'
    return response
