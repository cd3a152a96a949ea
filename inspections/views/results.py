"""Recording a visit's results at the site (a page built for a phone), and a staff correction of
one chassis' result. Photos and results are saved together or not at all: a refused submit keeps
what was entered and leaves nothing behind, not even the photo files."""

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.permissions import action_require
from common.errors import DomainError
from common.formats import visit_day
from inspections.choices import InspectionStatus
from inspections.forms import PHOTO_ACCEPT, CorrectionForm, ResultsForm
from inspections.models import Inspection, InspectionPhoto
from inspections.services.results import (
    inspection_photo_add,
    inspection_result_correct,
    inspection_results_record,
    line_result_current,
)
from inspections.services.visits import checklist_current
from inspections.views.access import inspection_page, visit_get
from inspections.views.visits import result_view
from relicensing.choices import RequestStatus

FINAL = "Tick the box to confirm: results are final once submitted."


class _Refused(Exception):
    """Something was refused: undo everything written in this submit."""


@inspection_page
def inspection_results(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    inspection = visit_get(user, pk)
    action_require(user, "inspection_results_record", inspection)
    if inspection.status != InspectionStatus.SCHEDULED:
        done = inspection.status == InspectionStatus.COMPLETED
        messages.info(
            request,
            "Results for this visit are recorded and final; programme staff correct them if needed."
            if done
            else "Results are recorded for a booked visit.",
        )
        return redirect("inspection-detail", pk=pk)
    assert inspection.date is not None  # scheduled
    if timezone.localdate() < inspection.date:
        messages.info(
            request, f"The visit is on {visit_day(inspection.date)}; results can be recorded from that day."
        )
        return redirect("inspection-detail", pk=pk)
    checklist = inspection.checklist_version or checklist_current(vendor_id=inspection.request.vendor_id)
    if checklist is None:
        messages.error(
            request,
            f"{inspection.request.vendor.name} has no checklist yet; programme staff publish one first.",
        )
        return redirect("inspection-detail", pk=pk)
    lines = list(inspection.lines.all())
    if request.method == "POST":
        form = ResultsForm(lines=lines, checklist=checklist, data=request.POST, files=request.FILES)
        if _record(user, inspection, form):
            passed = sum(1 for chassis in form.chassis if chassis.verdict == "passed")
            messages.success(
                request,
                f"Results recorded: {passed} of {len(lines)} chassis passed. The customer, its partner and "
                "programme staff are told.",
            )
            return redirect("inspection-detail", pk=pk)
    else:
        form = ResultsForm(lines=lines, checklist=checklist)
    context = {"visit": inspection, "rq": inspection.request, "form": form, "photo_accept": PHOTO_ACCEPT}
    return render(request, "inspections/results.html", context)


def _record(user: User, inspection: Inspection, form: ResultsForm) -> bool:
    """Photos first (they join results not yet submitted), then the results, in one transaction.
    Every refusal is collected before anything is undone, so the page names them all at once."""
    added: list[InspectionPhoto] = []
    try:
        with transaction.atomic():
            for chassis in form.chassis:
                for upload in chassis.uploads:
                    try:
                        added.append(
                            inspection_photo_add(
                                inspection=inspection, user=user, serial_number=chassis.serial, upload=upload
                            )
                        )
                    except DomainError as exc:
                        chassis.photo_errors.append(f"{upload.name}: {exc.detail}")
            try:
                with transaction.atomic():
                    inspection_results_record(inspection=inspection, user=user, results=form.results())
            except DomainError as exc:
                form.refused(exc)
            form.check_confirmed(FINAL)
            if form.has_errors:
                raise _Refused
    except _Refused:
        for photo in added:  # the rows are rolled back; their files are not
            photo.file.storage.delete(photo.file.name or "")
        return False
    return True


@inspection_page
def inspection_correct(request: HttpRequest, pk: int, line: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    inspection = visit_get(user, pk)
    action_require(user, "inspection_result_correct", inspection)
    chassis = get_object_or_404(inspection.lines.all(), pk=line)
    rq = inspection.request
    if inspection.status != InspectionStatus.COMPLETED or rq.status != RequestStatus.INSPECTED:
        messages.error(
            request,
            f"Request {rq.number} is {rq.get_status_display().lower()}; results are corrected after they are "
            "recorded and before the order.",
        )
        return redirect("inspection-detail", pk=pk)
    assert inspection.checklist_version is not None  # completed
    current = line_result_current(chassis)
    data = request.POST if request.method == "POST" else None
    form = CorrectionForm(line=chassis, current=current, checklist=inspection.checklist_version, data=data)
    if data is not None:
        try:
            inspection_result_correct(
                inspection=inspection, user=user, result=form.result(), reason=form.reason
            )
        except DomainError as exc:
            form.refused(exc)
        else:
            messages.success(
                request,
                f"The result for {chassis.serial_number} is corrected; the original stays on record and the "
                "final quote is issued again to match.",
            )
            return redirect(reverse("inspection-detail", args=[pk]) + f"#chassis-{chassis.pk}")
    context = {
        "visit": inspection,
        "rq": rq,
        "form": form,
        "line": chassis,
        "current_view": result_view(current, inspection.checklist_version.items),
    }
    return render(request, "inspections/correct.html", context)
