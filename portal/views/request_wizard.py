"""Page: the request wizard at /requests/new/. A customer, or a partner for a customer it serves,
chooses chassis, the site and contact, an inspection date and optional proofs, then reviews
the fee estimate and submits.

Each step validates on the server and saves into the person's draft, kept on the server, so a
person who leaves, signs out or changes browser resumes where they were. The final submit calls
request_create and document_upload in one transaction and sends any refusal back to the step it
concerns. The review's estimate comes from the price book through the quotes' own pricing
function (contracts), hence the wizard's place in the portal layer.
"""

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django_countries import countries

from accounts.choices import Role
from accounts.models import Organization, User
from common.errors import DomainError, InvalidInput
from common.pages import post_only
from contracts.selectors import fee_estimate
from portal.views.request_draft import Draft
from relicensing import selectors
from relicensing.business_days import earliest_inspection_date
from relicensing.models import Registration, Vendor
from relicensing.request_forms import (
    CustomerStepForm,
    DateStepForm,
    DocumentsStepForm,
    EquipmentStepForm,
    SiteForm,
    selectable,
)
from relicensing.services.drafts import DRAFT_KEPT_FOR
from relicensing.services.requests import document_upload, request_create
from relicensing.views.access import request_opener_page


@dataclass(frozen=True)
class Step:
    slug: str
    title: str


CUSTOMER = Step("customer", "Customer")
EQUIPMENT = Step("equipment", "Equipment")
SITE = Step("site", "Site and contact")
DATE = Step("date", "Inspection date")
DOCUMENTS = Step("documents", "Documents")
REVIEW = Step("review", "Review and submit")

# The step a refusal of the final submit concerns, by the service's stable code.
STEP_FOR_CODE = {
    "no_equipment": EQUIPMENT.slug,
    "ineligible_equipment": EQUIPMENT.slug,
    "mixed_vendors": EQUIPMENT.slug,
    "already_requested": EQUIPMENT.slug,
    "lead_time": DATE.slug,
    "not_a_business_day": DATE.slug,
    "date_too_far_ahead": DATE.slug,
    "file_too_large": DOCUMENTS.slug,
    "unsupported_file_type": DOCUMENTS.slug,
}


class Wizard:
    """One step being shown: the draft, whom it is for, and the way to the other steps."""

    def __init__(self, request: HttpRequest, draft: Draft) -> None:
        self.request, self.draft = request, draft
        self.user: User = request.user  # type: ignore[assignment]
        self.steps = [CUSTOMER] if self.user.role == Role.PARTNER else []
        self.steps += [EQUIPMENT, SITE, DATE, DOCUMENTS, REVIEW]
        self.step = self.steps[0]

    @property
    def slugs(self) -> list[str]:
        return [step.slug for step in self.steps]

    def first_missing(self) -> str | None:
        """The first step whose required answer the draft lacks (documents are optional)."""
        answers = {
            CUSTOMER.slug: self.draft.get("customer"),
            EQUIPMENT.slug: self.draft.get("equipment"),
            SITE.slug: self.draft.get("site"),
            DATE.slug: self.draft.get("date"),
        }
        return next((slug for slug in self.slugs if slug in answers and not answers[slug]), None)

    @cached_property
    def customer(self) -> Organization:
        # Resolved on every request: a partnership that ended meanwhile is a 404, as in the API.
        return selectors.customer_for(user=self.user, customer_id=self.draft.get("customer"))

    def has_customer(self) -> bool:
        return self.user.role == Role.CUSTOMER or bool(self.draft.get("customer"))

    @cached_property
    def chosen(self) -> list[Registration]:
        ids = self.draft.get("equipment") or []
        found = {r.pk: r for r in selectors.request_candidates(customer=self.customer).filter(pk__in=ids)}
        return [found[pk] for pk in ids if pk in found]

    @property
    def vendor(self) -> Vendor | None:
        return self.chosen[0].equipment.vendor if self.chosen else None

    def go(self, slug: str) -> HttpResponse:
        return redirect("request-new-step", step=slug)

    def forward(self) -> HttpResponse:
        following = self.slugs[self.slugs.index(self.step.slug) + 1]
        self.draft.update(step=following)  # where a person who leaves now comes back to
        return self.go(following)

    @property
    def posted(self) -> Any:
        """The POST data, or None on a GET: an empty POST still validates (and says what is missing)."""
        return self.request.POST if self.request.method == "POST" else None

    def render(self, **context: Any) -> HttpResponse:
        index = self.slugs.index(self.step.slug)
        missing = self.first_missing()
        reachable = self.slugs[: self.slugs.index(missing) + 1] if missing else self.slugs
        context = {
            "steps": self.steps,
            "step": self.step,
            "reachable": reachable,
            "previous": self.slugs[index - 1] if index else None,
            "draft": self.draft,
            "customer": self.customer if self.has_customer() else None,
            "chosen": self.chosen if self.has_customer() else [],
            "country_name": countries.name((self.draft.get("site") or {}).get("country", "")),
            "date": _date(self.draft.get("date")),
            "error": self.draft.pop_flash(self.step.slug),
            "draft_kept_days": DRAFT_KEPT_FOR.days,
            **context,
        }
        return render(self.request, f"relicensing/requests/new_{self.step.slug}.html", context)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@request_opener_page
def request_new(request: HttpRequest, step: str = "") -> HttpResponse:
    draft = Draft(request)
    wizard = Wizard(request, draft)
    if not step:
        if request.GET.get("equipment") or request.GET.get("customer"):
            _start_from_link(wizard)
        resume = draft.get("step")
        return wizard.go(resume if resume in wizard.slugs else wizard.first_missing() or wizard.slugs[0])
    if step not in wizard.slugs:
        raise Http404
    missing = wizard.first_missing()
    if missing and wizard.slugs.index(step) > wizard.slugs.index(missing):
        return wizard.go(missing)
    wizard.step = next(s for s in wizard.steps if s.slug == step)
    draft.update(step=step)
    return STEP_VIEWS[step](wizard)


def _start_from_link(wizard: Wizard) -> None:
    """`?equipment=<registration>` from a unit's page, or `?customer=<id>` from a partner's
    dashboard, starts (or extends) the draft. Anything out of reach is a 404."""
    draft, user = wizard.draft, wizard.user
    registration = None
    if request_equipment := wizard.request.GET.get("equipment"):
        registration = selectors.registration_get(user=user, pk=request_equipment)  # type: ignore[arg-type]
        customer_id: Any = registration.organization_id
    else:
        customer_id = wizard.request.GET.get("customer")
    customer = selectors.customer_for(user=user, customer_id=customer_id)
    keep = (draft.get("equipment") or []) if draft.get("customer") == customer.pk else []
    added = [registration.pk] if registration else []
    draft.update(customer=customer.pk, equipment=list(dict.fromkeys([*keep, *added])), step=EQUIPMENT.slug)


@request_opener_page
@post_only("request-new")
def request_new_discard(request: HttpRequest) -> HttpResponse:
    Draft(request).discard()
    messages.info(request, "The draft request was discarded. Nothing was submitted.")
    return redirect("request-list")


# --- the steps --------------------------------------------------------------------
def customer_step(wizard: Wizard) -> HttpResponse:
    request, draft = wizard.request, wizard.draft
    form = CustomerStepForm(wizard.posted, user=wizard.user, initial={"customer": draft.get("customer")})
    if request.method == "POST" and form.is_valid():
        customer = selectors.customer_for(user=wizard.user, customer_id=form.cleaned_data["customer"])
        if customer.pk != draft.get("customer"):
            draft.update(customer=customer.pk, equipment=[])  # chassis belong to one customer
        return wizard.forward()
    return wizard.render(form=form)


def equipment_step(wizard: Wizard) -> HttpResponse:
    request, draft = wizard.request, wizard.draft
    candidates = list(selectors.request_candidates(customer=wizard.customer))
    open_requests = selectors.open_requests_by_equipment(equipment_ids=[r.equipment_id for r in candidates])
    rows = [
        {
            "registration": r,
            "open_request": open_requests.get(r.equipment_id),
            "selectable": selectable(r, open_requests.get(r.equipment_id)),
        }
        for r in candidates
    ]
    allowed = {row["registration"].pk for row in rows if row["selectable"]}
    form = EquipmentStepForm(wizard.posted, candidates=candidates, allowed=allowed)
    if request.method == "POST" and form.is_valid():
        draft.update(equipment=form.cleaned_data["equipment"])
        return wizard.forward()
    checked = request.POST.getlist("equipment") if form.is_bound else draft.get("equipment") or []
    context = {"form": form, "rows": rows, "checked": {str(pk) for pk in checked}, "allowed": allowed}
    return wizard.render(**context)


def site_step(wizard: Wizard) -> HttpResponse:
    form = SiteForm(wizard.posted, initial=wizard.draft.get("site") or {})
    if wizard.request.method == "POST" and form.is_valid():
        wizard.draft.update(site=form.cleaned_data)
        return wizard.forward()
    return wizard.render(form=form)


def date_step(wizard: Wizard) -> HttpResponse:
    vendor = wizard.vendor
    if vendor is None:  # the chosen chassis left the customer meanwhile
        return wizard.go(EQUIPMENT.slug)
    lead = vendor.inspection_lead_business_days
    country = (wizard.draft.get("site") or {}).get("country", "")
    earliest = earliest_inspection_date(today=timezone.localdate(), lead_business_days=lead, country=country)
    form = DateStepForm(
        wizard.posted,
        lead_business_days=lead,
        earliest=earliest,
        country=country,
        initial={"preferred_inspection_date": wizard.draft.get("date")},
    )
    if wizard.request.method == "POST" and form.is_valid():
        wizard.draft.update(date=form.cleaned_data["preferred_inspection_date"].isoformat())
        return wizard.forward()
    return wizard.render(form=form, vendor=vendor, lead=lead, earliest=earliest)


def documents_step(wizard: Wizard) -> HttpResponse:
    request, draft = wizard.request, wizard.draft
    if request.method == "POST" and "remove" in request.POST:
        draft.unstage(int(request.POST["remove"]) if request.POST["remove"].isdigit() else -1)
        return wizard.go(DOCUMENTS.slug)
    form = DocumentsStepForm(wizard.posted, request.FILES if wizard.posted is not None else None)
    if request.method == "POST" and form.is_valid():
        for kind, upload in form.uploads():
            draft.stage(kind, upload)
        return wizard.forward()
    return wizard.render(form=form, documents=draft.documents)


def review_step(wizard: Wizard) -> HttpResponse:
    if wizard.request.method == "POST":
        return _submit(wizard)
    estimate = fee_estimate(registrations=wizard.chosen)
    return wizard.render(documents=wizard.draft.documents, vendor=wizard.vendor, estimate=estimate)


def _submit(wizard: Wizard) -> HttpResponse:
    draft = wizard.draft
    try:
        with transaction.atomic():
            created = request_create(
                customer=wizard.customer,
                user=wizard.user,
                site=draft.get("site"),
                equipment=draft.get("equipment"),
                preferred_inspection_date=dt.date.fromisoformat(draft.get("date")),
            )
            for document in draft.documents:
                with draft.open(document) as upload:
                    document_upload(request=created, user=wizard.user, kind=document["kind"], upload=upload)
    except InvalidInput as exc:  # a chassis no longer registered to the customer
        draft.flash(EQUIPMENT.slug, exc.detail)
        return wizard.go(EQUIPMENT.slug)
    except DomainError as exc:
        step = STEP_FOR_CODE.get(exc.code, REVIEW.slug)
        draft.flash(step, exc.detail)
        return wizard.go(step)
    except FileNotFoundError:  # the draft was discarded in another browser a moment ago
        draft.flash(DOCUMENTS.slug, "A proof you attached is no longer kept. Attach it again, then submit.")
        return wizard.go(DOCUMENTS.slug)
    draft.discard()
    next_step = (
        "Build its quote when you are ready."
        if wizard.user.role == Role.PARTNER
        else "Your partner now prepares a quote of the fees."
    )
    messages.success(wizard.request, f"Request {created.number} is submitted. {next_step}")
    return redirect("request-detail", pk=created.pk)


STEP_VIEWS = {
    CUSTOMER.slug: customer_step,
    EQUIPMENT.slug: equipment_step,
    SITE.slug: site_step,
    DATE.slug: date_step,
    DOCUMENTS.slug: documents_step,
    REVIEW.slug: review_step,
}
