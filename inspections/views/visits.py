"""The visits a person may see and one visit's page, with its actions: staff book it (or book it
again), the customer or its partner move it after a confirmation, and whoever sees the visit opens
its photos. Each action POSTs; a refusal is shown beside the form, with what was entered kept."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, Count, F, When
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from accounts.permissions import action_allowed, action_require
from common.errors import DomainError
from common.formats import visit_day
from common.pages import post_only
from contracts.models import Quote
from inspections.choices import InspectionStatus
from inspections.forms import BookForm, MoveForm
from inspections.models import Inspection, InspectionLine, InspectionResult, Inspector
from inspections.selectors import available_dates, inspections_visible
from inspections.services.visits import inspection_reschedule, inspection_schedule, reschedule_last_day
from inspections.views.access import inspection_page, visit_get
from relicensing.choices import RequestStatus
from relicensing.message_forms import MessageForm
from relicensing.services.messages import messages_visible
from relicensing.templatetags.request_display import country_name
from relicensing.views.confirm import confirm_page

PAGE_SIZE = 50
_I = InspectionStatus


# --- the list ----------------------------------------------------------------------------
@inspection_page
def inspection_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    # Booked visits first, soonest first; then those waiting for a date; then the rest, newest first.
    visits = (
        inspections_visible(user=user)
        .annotate(
            chassis=Count("lines"),
            rank=Case(When(status=_I.SCHEDULED, then=0), When(status=_I.UNSCHEDULED, then=1), default=2),
            upcoming=Case(When(status=_I.SCHEDULED, then=F("date"))),
        )
        .order_by("rank", "upcoming", F("date").desc(nulls_last=True), "-created_at", "-pk")
    )
    page = Paginator(visits, PAGE_SIZE).get_page(request.GET.get("page"))
    profile = Inspector.objects.filter(user=user).first() if user.role == Role.INSPECTOR else None
    context = {
        "page": page,
        "show_customer": user.role != Role.CUSTOMER,
        "profile": profile,
        "feed_url": request.build_absolute_uri(reverse("inspection-feed", args=[profile.feed_token]))
        if profile
        else "",
        "today": timezone.localdate(),
    }
    return render(request, "inspections/list.html", context)


# --- one visit ---------------------------------------------------------------------------
@dataclass
class ResultView:
    """One result of a chassis as the page shows it: the verdict, each checklist item's answer."""

    result: InspectionResult
    answers: list[tuple[str, bool, bool | None]]  # (item text, required, yes / no / not answered)
    current: bool


@dataclass
class ChassisView:
    line: InspectionLine
    registration_id: int | None
    current: ResultView | None
    replaced: list[ResultView] = field(default_factory=list)  # oldest first


@dataclass
class MoveInfo:
    """Whether and where the customer or its partner may move the visit."""

    last_day: dt.date
    moves_left: int
    moves_allowed: int
    dates: list[dt.date]
    blocked: str


def move_info(inspection: Inspection) -> MoveInfo:
    request = inspection.request
    vendor, country = request.vendor, request.site_country
    assert inspection.date is not None  # scheduled
    last_day = reschedule_last_day(inspection.date, vendor.reschedule_cutoff_business_days, country)
    allowed = vendor.max_customer_reschedules
    left = max(allowed - inspection.reschedules, 0)
    blocked = ""
    if timezone.localdate() > last_day:
        blocked = (
            f"The visit could be moved until {visit_day(last_day)}. To change it now, ask programme staff."
        )
    elif left == 0:
        blocked = (
            f"The visit was already moved {inspection.reschedules} time{'s' if inspection.reschedules != 1 else ''}, "
            f"the most {vendor.name} allows. To change it again, ask programme staff."
        )
    dates = [] if blocked else available_dates(inspection=inspection)
    if not blocked and not dates:
        blocked = (
            f"No other day in the next six weeks has a free inspector who covers {country_name(country)}. "
            "To change the visit, ask programme staff."
        )
    return MoveInfo(last_day=last_day, moves_left=left, moves_allowed=allowed, dates=dates, blocked=blocked)


def result_view(result: InspectionResult, items: list[dict[str, Any]], *, current: bool = True) -> ResultView:
    answers = [(item["text"], bool(item.get("required")), result.answers.get(item["key"])) for item in items]
    return ResultView(result, answers, current)


def _chassis(inspection: Inspection, registrations: dict[int, int]) -> list[ChassisView]:
    items = inspection.checklist_version.items if inspection.checklist_version else []
    rows = []
    for line in inspection.lines.all():
        results = list(line.results.all())  # oldest first: a correction after what it corrects
        replaced_ids = {r.corrects_id for r in results if r.corrects_id}
        views = [result_view(r, items, current=r.pk not in replaced_ids) for r in results]
        current = next((v for v in views if v.current), None)
        rows.append(
            ChassisView(
                line=line,
                registration_id=registrations.get(line.equipment_id),
                current=current,
                replaced=[v for v in views if not v.current],
            )
        )
    return rows


def visit_status_text(inspection: Inspection, user: User) -> str:
    """What stands and what comes next, told to the person reading."""
    request = inspection.request
    role, staff = user.role, user.is_programme_staff
    country = country_name(request.site_country)
    day = visit_day(inspection.date)
    if inspection.status == _I.UNSCHEDULED:
        if staff:
            return f"Waiting for a date: book it below with an inspector who covers {country}."
        told = "you will be" if role == Role.CUSTOMER else f"you and {request.customer.name} will be"
        return (
            f"Waiting for a date: programme staff book the visit with an inspector who covers {country}, "
            f"and {told} told the date."
        )
    if inspection.status == _I.SCHEDULED:
        assert inspection.date is not None
        overdue = inspection.date < timezone.localdate()
        inspector = inspection.inspector.display_name if inspection.inspector else "the inspector"
        if role == Role.INSPECTOR:
            if overdue:
                return f"The visit on {day} is over and its results are not recorded yet: record them now."
            return f"Your visit is on {day}. On that day, record the results here, chassis by chassis."
        if staff:
            if overdue:
                return f"Overdue: the visit on {day} with {inspector} has no results yet."
            return f"Booked for {day} with {inspector}, who records the results from that day."
        if overdue:
            return f"The visit was on {day}; {inspector} has not recorded the results yet."
        return (
            f"{inspector} visits {request.site_name} on {day}. {request.contact_name} should be there to meet "
            "them; every chassis is checked against the programme's checklist."
        )
    if inspection.status == _I.COMPLETED:
        lines = list(inspection.lines.all())
        passed = sum(1 for line in lines if line.outcome == "passed")
        done = f"Results recorded: {passed} of {len(lines)} chassis passed."
        if role == Role.INSPECTOR:
            return done + " They are final; programme staff correct them if needed."
        if passed == 0:
            return done + " No chassis can be reinstated; the inspection fees stay due."
        return (
            done
            + " The final quote keeps every fee of a chassis that passed and only the inspection fee of one that failed."
        )
    return "The visit was cancelled with its request."


def detail_context(
    request: HttpRequest,
    inspection: Inspection,
    *,
    book_form: BookForm | None = None,
    move_form: MoveForm | None = None,
    message_form: MessageForm | None = None,
) -> dict[str, Any]:
    user: User = request.user  # type: ignore[assignment]
    rq = inspection.request
    today = timezone.localdate()
    scheduled = inspection.status == _I.SCHEDULED
    sees_request = user.role != Role.INSPECTOR
    registrations = dict(rq.items.values_list("equipment_id", "registration_id")) if sees_request else {}
    context: dict[str, Any] = {
        "visit": inspection,
        "rq": rq,
        "status_text": visit_status_text(inspection, user),
        "chassis": _chassis(inspection, registrations),
        "timeline": inspection.transitions.all(),  # prefetched in order by the selector
        "sees_request": sees_request,
        "final_quote": Quote.objects.visible_to(user)
        .filter(request=rq, is_final=True)
        .order_by("-revision")
        .first()
        if sees_request
        else None,
        "overdue": scheduled and inspection.date is not None and inspection.date < today,
        "can_book": action_allowed(user, "inspection_schedule", inspection)
        and inspection.status in (_I.UNSCHEDULED, _I.SCHEDULED),
        "can_record": action_allowed(user, "inspection_results_record", inspection) and scheduled,
        "record_open": scheduled and inspection.date is not None and today >= inspection.date,
        "can_correct": action_allowed(user, "inspection_result_correct", inspection)
        and inspection.status == _I.COMPLETED
        and rq.status == RequestStatus.INSPECTED,
        "can_move": action_allowed(user, "inspection_reschedule", inspection) and scheduled,
    }
    if context["can_book"]:
        context["book_form"] = book_form or BookForm(inspection=inspection)
    if context["can_move"]:
        info = move_info(inspection)
        context["move"] = info
        context["move_form"] = move_form or MoveForm(dates=info.dates)
    if not sees_request:
        # The inspector has no request page: the request's conversation lives on the visit's.
        context["conversation"] = list(messages_visible(request=rq, user=user))
        context["message_form"] = message_form or MessageForm(user=user)
        context["conversation_post_url"] = reverse("inspection-message-post", args=[inspection.pk])
    context["moves_made"] = (
        inspection.reschedules
        if scheduled and (user.is_programme_staff or user.role == Role.INSPECTOR)
        else None
    )
    return context


@inspection_page
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = visit_get(request.user, pk)  # type: ignore[arg-type]
    return render(request, "inspections/detail.html", detail_context(request, inspection))


def _detail_again(request: HttpRequest, inspection: Inspection, **forms: Any) -> HttpResponse:
    return render(request, "inspections/detail.html", detail_context(request, inspection, **forms))


@inspection_page
@post_only("inspection-detail")
def inspection_book(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    inspection = visit_get(user, pk)
    action_require(user, "inspection_schedule", inspection)
    form = BookForm(request.POST, inspection=inspection)
    if not form.is_valid():
        return _detail_again(request, inspection, book_form=form)
    again = inspection.status == _I.SCHEDULED
    inspector = User.objects.get(pk=form.cleaned_data["inspector"])
    try:
        inspection = inspection_schedule(
            inspection=inspection, user=user, date=form.cleaned_data["date"], inspector=inspector
        )
    except DomainError as exc:
        form.refused(exc)
        return _detail_again(request, visit_get(user, pk), book_form=form)
    customer = inspection.request.customer.name
    messages.success(
        request,
        f"{'Booked again' if again else 'Booked'}: {visit_day(inspection.date)} with {inspector.display_name}. "
        f"{customer}, its partner and {inspector.display_name} are told, with a calendar file.",
    )
    return redirect("inspection-detail", pk=pk)


@inspection_page
@post_only("inspection-detail")
def inspection_move(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    inspection = visit_get(user, pk)
    action_require(user, "inspection_reschedule", inspection)  # before asking to confirm
    detail_url = reverse("inspection-detail", args=[pk])
    if inspection.status != _I.SCHEDULED:
        messages.error(request, "Only a booked visit can be moved; programme staff book the first date.")
        return redirect(detail_url)
    info = move_info(inspection)
    if info.blocked:
        messages.error(request, info.blocked)
        return redirect(detail_url)
    form = MoveForm(request.POST, dates=info.dates)
    if not form.is_valid():
        return _detail_again(request, inspection, move_form=form)
    date: dt.date = form.cleaned_data["date"]
    if not request.POST.get("confirmed"):
        left = info.moves_left - 1
        return confirm_page(
            request,
            title=f"Move the visit to {visit_day(date)}?",
            details=[
                ("Site", f"{inspection.request.site_name} · {inspection.request.customer.name}"),
                ("Booked for", visit_day(inspection.date)),
                ("New date", visit_day(date)),
            ],
            consequence=(
                f"This uses one of the {info.moves_allowed} moves allowed: "
                + (
                    f"{left} more will be left."
                    if left
                    else "after it, only programme staff can change the date."
                )
                + " The inspector and programme staff are told. If the inspector is not free that day, "
                "another who covers the site's country takes the visit."
            ),
            action=f"Yes, move the visit to {visit_day(date)}",
            action_class="btn-primary",
            cancel_url=detail_url,
        )
    try:
        moved = inspection_reschedule(inspection=inspection, user=user, date=date)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect(detail_url)
    told = "" if user.role == Role.CUSTOMER else f"{moved.request.customer.name}, "
    inspector = moved.inspector.display_name if moved.inspector else "the inspector"
    messages.success(
        request,
        f"The visit is moved to {visit_day(moved.date)}, with {inspector}. {told}{inspector} and programme "
        "staff are told.",
    )
    return redirect(detail_url)


@inspection_page
def inspection_photo(request: HttpRequest, pk: int, photo: int) -> FileResponse:
    inspection = visit_get(request.user, pk)  # type: ignore[arg-type]
    found = next((p for line in inspection.lines.all() for p in line.photos.all() if p.pk == photo), None)
    if found is None:
        raise Http404
    return FileResponse(
        found.file.open("rb"),
        as_attachment="download" in request.GET,
        filename=found.original_name,
        content_type=found.content_type,
    )
