"""Pages: the renewal card on a contract's page (the renewal position in words, the current
renewal quote, and the actions the reader may take), preparing a renewal quote (the owner's
partner or staff), ordering it (the owner or its partner, after a confirmation) and approving it
(staff, after a confirmation). The services in contracts.services.renewals do the work; these
views only ask, confirm and say what happened.

The card is built here (`renewal_card`) and shown by contracts.views' contract page, which a
refused renewal order renders again with the card holding the form and its errors."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from accounts.permissions import ACTIONS, action_allowed, action_require
from common.errors import Conflict, InvalidInput, ServiceError
from common.formats import day, money
from common.pages import post_only
from contracts import views  # the contract's page, rendered again after a refused order
from contracts.choices import RenewalLineKind, RenewalQuoteStatus
from contracts.models import Contract, RenewalQuote
from contracts.services import renewals
from relicensing.views.access import installed_base_page
from relicensing.views.confirm import confirm_page

OPEN = (RenewalQuoteStatus.ISSUED, RenewalQuoteStatus.ORDERED)


class RenewalOrderForm(forms.Form):
    po_number = forms.CharField(
        label="Purchase order number",
        max_length=renewals.PO_NUMBER_MAX,
        error_messages={"required": "Give your purchase order number."},
    )
    amount = forms.DecimalField(
        label="Amount",
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        error_messages={"invalid": "Give the order's amount as a decimal number, such as 437.00."},
    )

    def __init__(self, *args: Any, quote: RenewalQuote, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.quote = quote
        self.fields[
            "amount"
        ].help_text = f"The quote's total, {money(quote.total, quote.currency)}: an order covers it exactly."
        self.fields["amount"].localize = False

    def clean_amount(self) -> Decimal:
        amount: Decimal = self.cleaned_data["amount"]
        if amount != self.quote.total:
            raise forms.ValidationError(
                f"The order is for {money(amount, self.quote.currency)}, but renewal quote "
                f"{self.quote.number} is {money(self.quote.total, self.quote.currency)}; an order covers "
                "the total exactly."
            )
        return amount


@dataclass
class RenewalCard:
    position: str
    tone: str  # "ok", "warn", or "stop" (past the threshold: no renewal)
    quote: RenewalQuote | None = None
    back_support: Decimal = Decimal("0.00")
    state: str = ""  # the quote's state in words, for this reader
    can_issue: bool = False
    issue_label: str = "Prepare a renewal quote"
    who_quotes: str = ""
    order_form: RenewalOrderForm | None = None
    order_label: str = "Order this renewal"
    can_approve: bool = False
    approve_refusal: str = ""
    lines: list[Any] = field(default_factory=list)


def _position(contract: Contract, today: dt.date) -> tuple[str, str]:
    vendor = renewals.contract_vendor(contract)
    ends = contract.ends_on
    try:
        terms = renewals.renewal_terms(ends_on=ends, vendor=vendor, today=today)
    except Conflict:
        lapse = (today - ends).days - 1
        return (
            f"Lapsed past the vendor's threshold: ended {day(ends)}, {lapse} days without cover, more "
            f"than the {vendor.reinspection_after_days} days {vendor.name or 'the vendor'} allows. The "
            "chassis need a new relicensing request, with a new inspection, before they can be covered "
            "again.",
            "stop",
        )
    if terms.phase == renewals.Phase.BEFORE_END:
        return (
            f"Renew before {day(ends)} for no gap: the new year runs on from the current end, "
            f"{day(terms.starts_on)} to {day(terms.ends_on)}.",
            "ok",
        )
    if terms.phase == renewals.Phase.GRACE:
        return (
            f"Ended {day(ends)}: the chassis are not covered until renewed. Renew by "
            f"{day(renewals.grace_last_day(ends, vendor))} to avoid back-support; the new year still "
            f"runs on from the old end, {day(terms.starts_on)} to {day(terms.ends_on)}.",
            "warn",
        )
    return (
        f"Lapsed {terms.lapsed_days} days: a renewal adds back-support for the days without cover since "
        f"{day(ends)}, and the new year starts on the day it is quoted. Renew by "
        f"{day(renewals.renewal_last_day(ends, vendor))}: after that the chassis need a new relicensing "
        "request.",
        "warn",
    )


def _current_quote(contract: Contract) -> RenewalQuote | None:
    quotes = contract.renewal_quotes.select_related("ordered_by__organization").prefetch_related("lines")
    return (
        quotes.filter(status__in=OPEN).first() or quotes.exclude(status=RenewalQuoteStatus.SUPERSEDED).first()
    )


def _state(quote: RenewalQuote, user: User, contract: Contract) -> str:
    owner = contract.owner.name
    if quote.status == RenewalQuoteStatus.ISSUED:
        if user.role == Role.CUSTOMER:
            return (
                "Waiting for your order: order it with your purchase order number, or ask your partner to "
                "order it for you; programme staff then approve it."
            )
        if user.role == Role.PARTNER:
            return (
                f"Waiting for an order: order it on {owner}'s behalf, or {owner} orders it; programme staff "
                "then approve it."
            )
        return f"Waiting for {owner} or its partner to order it."
    if quote.status == RenewalQuoteStatus.ORDERED:
        ordered_by = quote.ordered_by
        by_partner = ordered_by is not None and ordered_by.role == Role.PARTNER
        organization = ordered_by.organization if ordered_by is not None else None
        firm = organization.name if organization is not None else ""
        order = f"purchase order {quote.po_number} for {money(quote.ordered_amount, quote.currency)}"
        if user.role == Role.CUSTOMER:
            who = f"Your partner {firm} ordered it on your behalf" if by_partner else "You ordered it"
            return f"{who} with {order}. Programme staff approve it next; you will be told."
        if user.role == Role.PARTNER:
            who = "You ordered it" if by_partner else f"{owner} ordered it"
            return f"{who} with {order}. Programme staff approve it next."
        who = f"{firm} (partner)" if by_partner else owner
        return f"Ordered by {who} with {order}. Approving it extends coverage to {day(quote.ends_on)}."
    if quote.status == RenewalQuoteStatus.APPROVED:
        return f"Approved {day(quote.approved_at)}: coverage extended to {day(quote.ends_on)}."
    if quote.status == RenewalQuoteStatus.EXPIRED:
        return f"Expired: it was valid until {day(quote.valid_until)}. A new renewal quote is needed."
    return quote.get_status_display()


def renewal_card(user: User, contract: Contract, order_form: RenewalOrderForm | None = None) -> RenewalCard:
    position, tone = _position(contract, timezone.localdate())
    card = RenewalCard(position=position, tone=tone)
    quote = _current_quote(contract)
    if quote is not None:
        card.quote, card.lines, card.state = quote, list(quote.lines.all()), _state(quote, user, contract)
        card.back_support = sum(
            (line.amount for line in card.lines if line.kind == RenewalLineKind.BACK_SUPPORT),
            Decimal("0.00"),
        )
    is_open = quote is not None and quote.status in OPEN
    ordered = is_open and quote is not None and quote.status == RenewalQuoteStatus.ORDERED
    card.can_issue = action_allowed(user, "renewal_quote_issue", contract) and not ordered and tone != "stop"
    if is_open and quote is not None and quote.status == RenewalQuoteStatus.ISSUED:
        card.issue_label = f"Prepare a new renewal quote (replaces {quote.number})"
    if not card.can_issue and not is_open:
        card.who_quotes = (
            "Your partner or programme staff prepare the renewal quote; ask them when you are ready."
            if user.role == Role.CUSTOMER
            else ""
        )
    issued = quote is not None and quote.status == RenewalQuoteStatus.ISSUED
    if issued and quote is not None and action_allowed(user, "renewal_quote_order", quote):
        card.order_form = order_form or RenewalOrderForm(
            quote=quote, initial={"amount": f"{quote.total:.2f}"}
        )
        if user.role == Role.PARTNER:
            card.order_label = f"Order this renewal for {contract.owner.name}"
    if ordered and quote is not None and action_allowed(user, "renewal_quote_approve", quote):
        card.can_approve = quote.ordered_by_id != user.pk
        if not card.can_approve:
            card.approve_refusal = "You ordered this renewal; another member of staff approves it."
    return card


def _back(contract: Contract) -> HttpResponse:
    return redirect(reverse("contract-detail", args=[contract.number]) + "#renewal")


def _posted_quote(request: HttpRequest, contract: Contract) -> RenewalQuote | None:
    """The quote the form was shown for, if it is still the contract's open one."""
    pk = request.POST.get("quote", "")
    quote = contract.renewal_quotes.filter(status__in=OPEN).first()
    if quote is None or str(quote.pk) != pk:
        messages.error(
            request, "That renewal quote is no longer the current one; here is the contract as it stands now."
        )
        return None
    return quote


@installed_base_page
@post_only("contract-detail", anchor="#renewal")
def renewal_quote_prepare(request: HttpRequest, number: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    contract = views._contract_get(user, number)
    action_require(user, "renewal_quote_issue", contract)
    try:
        quote = renewals.renewal_quote_issue(contract=contract, user=user)
    except ServiceError as exc:
        messages.error(request, f"No renewal quote was prepared. {exc.detail}")
    else:
        messages.success(
            request,
            f"Renewal quote {quote.number} is issued: {money(quote.total, quote.currency)}, valid until "
            f"{day(quote.valid_until)}. {contract.owner.name}'s users and partners are told.",
        )
    return _back(contract)


@installed_base_page
@post_only("contract-detail", anchor="#renewal")
def renewal_quote_order(request: HttpRequest, number: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    contract = views._contract_get(user, number)
    quote = _posted_quote(request, contract)
    if quote is None:
        return _back(contract)
    action_require(user, "renewal_quote_order", quote)
    if quote.status != RenewalQuoteStatus.ISSUED:
        messages.error(request, f"Renewal quote {quote.number} is already ordered.")
        return _back(contract)
    form = RenewalOrderForm(request.POST, quote=quote)
    if form.is_valid():
        po_number, amount = form.cleaned_data["po_number"], form.cleaned_data["amount"]
        if not request.POST.get("confirmed"):
            behalf = f" on {contract.owner.name}'s behalf" if user.role == Role.PARTNER else ""
            return confirm_page(
                request,
                title=f"Order renewal {quote.number}{behalf}?",
                details=[
                    ("Contract", f"{contract.number} · {contract.owner.name}"),
                    ("New coverage", f"{day(quote.starts_on)} to {day(quote.ends_on)}"),
                    ("Purchase order", po_number),
                    ("Amount", money(amount, quote.currency)),
                ],
                consequence=f"The order commits {contract.owner.name} to pay "
                f"{money(quote.total, quote.currency)}; it cannot be withdrawn once sent. Programme staff "
                "then approve the renewal.",
                action="Send the order",
                action_class="btn-primary",
                cancel_url=reverse("contract-detail", args=[contract.number]) + "#renewal",
            )
        try:
            renewals.renewal_quote_order(quote=quote, user=user, po_number=po_number, amount=amount)
        except InvalidInput as exc:
            for name, problems in exc.fields.items():
                for problem in problems:
                    form.add_error(name if name in form.fields else None, problem)
        except ServiceError as exc:
            form.add_error("amount" if exc.code == "amount_mismatch" else None, exc.detail)
        else:
            messages.success(
                request,
                f"Renewal {quote.number} is ordered with purchase order {po_number}. Programme staff "
                f"approve it next; coverage then runs to {day(quote.ends_on)}.",
            )
            return _back(contract)
    return views._render_contract(
        request,
        contract,
        views.SiteCorrectionForm(initial=views.contract_site(contract)),
        renewal=renewal_card(user, contract, order_form=form),
    )


@installed_base_page
@post_only("contract-detail", anchor="#renewal")
def renewal_quote_approve(request: HttpRequest, number: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    contract = views._contract_get(user, number)
    quote = _posted_quote(request, contract)
    if quote is None:
        return _back(contract)
    if not action_allowed(user, "renewal_quote_approve", quote):
        messages.error(request, ACTIONS["renewal_quote_approve"].refusal)
        return _back(contract)
    if not request.POST.get("confirmed"):
        return confirm_page(
            request,
            title=f"Approve renewal {quote.number}?",
            details=[
                ("Contract", f"{contract.number} · {contract.owner.name}"),
                (
                    "Order",
                    f"Purchase order {quote.po_number} for {money(quote.ordered_amount, quote.currency)}",
                ),
                ("Now covered until", day(contract.ends_on)),
                ("New coverage", f"{day(quote.starts_on)} to {day(quote.ends_on)}"),
            ],
            consequence=f"Approving extends coverage to {day(quote.ends_on)}; it cannot be undone. "
            f"{contract.owner.name}'s users and partners are told.",
            action="Approve the renewal",
            action_class="btn-primary",
            cancel_url=reverse("contract-detail", args=[contract.number]) + "#renewal",
        )
    try:
        quote = renewals.renewal_quote_approve(quote=quote, user=user)
    except ServiceError as exc:
        messages.error(request, f"Renewal {quote.number} is not approved. {exc.detail}")
    else:
        messages.success(
            request,
            f"Renewal {quote.number} is approved: contract {contract.number} now covers its serials until "
            f"{day(quote.ends_on)}.",
        )
    return _back(contract)
