"""Pages: the partner's quote builder, one quote's page, its PDF, and accepting a quote.

The builder previews every line through contracts.pricing and issues through quote_issue, with
the previewed add-ons, reference and note, so the quote issued is the one the partner saw.
"""

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from accounts.permissions import action_require
from common.errors import DomainError, InvalidInput
from common.formats import day, money
from common.pages import post_only
from contracts import selectors
from contracts.choices import QuoteStatus
from contracts.forms import AddonForm, QuoteRemarksForm, addons_signature, remarks_signature
from contracts.models import Quote
from contracts.pdf import quote_pdf
from contracts.selectors import quote_may_be_accepted
from contracts.services import quotes as services
from relicensing.models import Request
from relicensing.selectors import request_get
from relicensing.services.lifecycle import request_may_be_quoted
from relicensing.views.access import installed_base_page
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
    response = HttpResponse(quote_pdf(quote), content_type="application/pdf")
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
