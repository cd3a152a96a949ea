"""Recording what the inspector found, chassis by chassis, and what follows from it.

Results are final once submitted: the request moves to `inspected` (or `failed_inspection` when
no chassis passed) and the quote is finalised as a new revision (contracts.services.quotes). A
staff correction is a new result naming the one it replaces and why; the original stays.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import action_require
from common.echo import value_echo
from common.errors import Conflict, DomainError, InvalidInput
from common.formats import visit_day
from common.workflow import transition
from contracts.services.quotes import quote_finalise
from inspections.choices import InspectionStatus
from inspections.models import ChecklistVersion, Inspection, InspectionLine, InspectionPhoto, InspectionResult
from inspections.services.visits import checklist_current
from relicensing.choices import ItemOutcome, RequestStatus
from relicensing.models import Request, RequestItem
from relicensing.serials import serial_normalise
from relicensing.services.lifecycle import request_lock, request_transition
from relicensing.services.requests import document_check
from webhooks.choices import WebhookEvent
from webhooks.services import webhook_event_record

PHOTO_TYPES = ("image/png", "image/jpeg")


@dataclass(frozen=True)
class ChassisResult:
    serial_number: str
    passed: bool
    checklist: dict[str, bool]
    notes: str = ""


@transaction.atomic
def inspection_results_record(
    *, inspection: Inspection, user: User, results: Sequence[dict[str, Any]]
) -> Inspection:
    """One result per chassis, all at once. 400 `results_incomplete` naming every chassis without
    a result and every required checklist item left unanswered."""
    request = request_lock(inspection.request_id)
    inspection = Inspection.objects.select_for_update(of=("self",)).get(pk=inspection.pk)
    # Asked of the row as it stands: who is assigned now, not when the caller read it.
    action_require(user, "inspection_results_record", inspection)
    if inspection.status != InspectionStatus.SCHEDULED:
        done = inspection.status == InspectionStatus.COMPLETED
        raise Conflict(
            "Results for this visit are already recorded and final; programme staff correct them."
            if done
            else f"The visit is {inspection.get_status_display().lower()}; results follow a booked visit.",
            code="invalid_transition",
            status=inspection.status,
        )
    assert inspection.date is not None  # scheduled
    if timezone.localdate() < inspection.date:
        raise Conflict(
            f"The visit is on {visit_day(inspection.date)}; results are recorded from that day.",
            code="visit_not_yet",
        )
    checklist = inspection.checklist_version or checklist_current(vendor_id=request.vendor_id)
    if checklist is None:
        raise Conflict(
            f"{request.vendor.name} has no checklist yet; programme staff publish one first.",
            code="no_checklist",
        )
    lines = {line.serial_number: line for line in inspection.lines.select_for_update()}
    parsed = results_parse(results, lines=lines, checklist=checklist)
    for line in lines.values():
        result = parsed[line.serial_number]
        InspectionResult.objects.create(
            line=line, passed=result.passed, answers=result.checklist, notes=result.notes, recorded_by=user
        )
        _outcome_set(request, line, result.passed)
    inspection.checklist_version, inspection.completed_at = checklist, timezone.now()
    inspection.save(update_fields=["checklist_version", "completed_at", "updated_at"])
    passed = sum(1 for r in parsed.values() if r.passed)
    summary = f"{passed} of {len(parsed)} chassis passed."
    transition(inspection, to=InspectionStatus.COMPLETED, actor=user, reason=summary)
    request_transition(
        request=request,
        to=RequestStatus.INSPECTED if passed else RequestStatus.FAILED_INSPECTION,
        actor=user,
        reason=f"Inspection results recorded: {summary}",
    )
    quote_finalise(request=request, reason=f"Inspection results: {summary}")
    webhook_event_record(
        type=WebhookEvent.INSPECTION_RESULTS_RECORDED,
        target=inspection,
        organization=request.customer_id,
        occurrence="results",
    )
    return inspection


@transaction.atomic
def inspection_result_correct(
    *, inspection: Inspection, user: User, result: dict[str, Any], reason: str
) -> InspectionResult:
    """Staff replace one chassis' result, saying why; the original stays on record. Allowed until
    the customer orders (the request `inspected`): the final quote is issued again to match, and a
    correction that leaves no chassis passed closes the request as failed."""
    action_require(user, "inspection_result_correct", inspection)
    if not reason.strip():
        raise InvalidInput({"reason": ["Say why the result is corrected; it stays on record."]})
    request = request_lock(inspection.request_id)
    inspection = Inspection.objects.select_for_update(of=("self",)).get(pk=inspection.pk)
    if inspection.status != InspectionStatus.COMPLETED or request.status != RequestStatus.INSPECTED:
        raise Conflict(
            f"Request {request.number} is {request.get_status_display().lower()}; results are corrected "
            "after they are recorded and before the order.",
            code="invalid_transition",
            status=request.status,
        )
    assert inspection.checklist_version is not None  # completed
    lines = {line.serial_number: line for line in inspection.lines.select_for_update()}
    parsed = results_parse([result], lines=lines, checklist=inspection.checklist_version, every_line=False)
    (corrected,) = parsed.values()
    line = lines[corrected.serial_number]
    current = line_result_current(line)
    new = InspectionResult.objects.create(
        line=line,
        passed=corrected.passed,
        answers=corrected.checklist,
        notes=corrected.notes,
        corrects=current,
        reason=reason.strip(),
        recorded_by=user,
    )
    _outcome_set(request, line, corrected.passed)
    verdict = "passed" if corrected.passed else "failed"
    note = f"Result for {line.serial_number} corrected to {verdict}: {reason.strip()}"
    if not inspection.lines.filter(outcome=ItemOutcome.PASSED).exists():
        request_transition(request=request, to=RequestStatus.FAILED_INSPECTION, actor=user, reason=note)
    quote_finalise(request=request, reason=note)
    return new


def line_result_current(line: InspectionLine) -> InspectionResult:
    """The result in force for a chassis: the last in its chain of corrections."""
    return line.results.filter(correction__isnull=True).get()


def _outcome_set(request: Request, line: InspectionLine, passed: bool) -> None:
    outcome = ItemOutcome.PASSED if passed else ItemOutcome.FAILED
    line.outcome = outcome
    line.save(update_fields=["outcome"])
    RequestItem.objects.filter(request=request, equipment_id=line.equipment_id).update(outcome=outcome)


def results_parse(
    results: Sequence[dict[str, Any]],
    *,
    lines: dict[str, InspectionLine],
    checklist: ChecklistVersion,
    every_line: bool = True,
) -> dict[str, ChassisResult]:
    """The submitted results checked against the visit's chassis and the checklist, or 400:
    `results_incomplete` with `missing` naming each chassis and required item left out, or
    field errors for what cannot be read at all."""
    items = {item["key"]: item for item in checklist.items}
    errors: list[str] = []
    missing: list[str] = []
    parsed: dict[str, ChassisResult] = {}
    for position, entry in enumerate(results, start=1):
        if not isinstance(entry, dict):
            errors.append(f"Result {position} is not an object.")
            continue
        serial = serial_normalise(str(entry.get("serial_number", "")))
        if serial not in lines:
            shown = value_echo(serial) if serial else "no serial"
            errors.append(f"Result {position}: {shown} is not a chassis of this visit.")
            continue
        if serial in parsed:
            errors.append(f"{serial} has more than one result.")
            continue
        passed = entry.get("passed")
        if not isinstance(passed, bool):
            missing.append(f"{serial}: passed or failed")
        answers = entry.get("checklist") or {}
        if not isinstance(answers, dict):
            errors.append(f"{serial}: the checklist answers are an object of item keys to true or false.")
            continue
        unknown = sorted(set(answers) - set(items))
        if unknown:
            named = value_echo(", ".join(unknown))
            errors.append(f"{serial}: no checklist item {named} in version {checklist.version}.")
        answered = {key: value for key, value in answers.items() if key in items and isinstance(value, bool)}
        if passed is True:
            errors += [
                f'{serial}: marked passed, but "{item["text"]}" is answered no; a required item is a '
                "condition of passing."
                for key, item in items.items()
                if item.get("required") and answered.get(key) is False
            ]
        missing += [
            f"{serial}: {item['text']}"
            for key, item in items.items()
            if item.get("required") and key not in answered
        ]
        notes = str(entry.get("notes") or "")
        if len(notes) > 4000:
            errors.append(f"{serial}: notes are at most 4,000 characters.")
        parsed[serial] = ChassisResult(serial, bool(passed), answered, notes.strip())
    if every_line:
        missing = [f"{serial}: no result" for serial in lines if serial not in parsed] + missing
    if errors:
        raise InvalidInput({"results": errors})
    if missing:
        raise DomainError(
            "Results are missing for: " + "; ".join(missing) + ".", code="results_incomplete", missing=missing
        )
    if not parsed:
        raise InvalidInput({"results": ["Give a result."]})
    return parsed


@transaction.atomic
def inspection_photo_add(
    *, inspection: Inspection, user: User, serial_number: str, upload: Any
) -> InspectionPhoto:
    """A photo of one chassis, judged by its content (PNG or JPEG, at most 10 MB), until the
    results are submitted. Locked as results are (request, then visit), so a photo never lands
    on a visit whose results were submitted a moment before, nor from an inspector just taken off it."""
    request_lock(inspection.request_id)
    inspection = Inspection.objects.select_for_update(of=("self",)).get(pk=inspection.pk)
    action_require(user, "inspection_photo_upload", inspection)
    try:
        content_type = document_check(upload=upload)
    except DomainError as exc:
        if exc.code == "file_too_large":  # the documents' words, said of a photo
            raise DomainError(
                exc.detail.replace("documents may be", "a photo may be"), code=exc.code
            ) from exc
        content_type = ""  # the documents' refusal names PDF, which a photo may not be
    if content_type not in PHOTO_TYPES:
        raise DomainError(
            "A photo is a PNG or JPEG image; this file's content is neither.", code="unsupported_file_type"
        )
    if inspection.status != InspectionStatus.SCHEDULED:
        raise Conflict(
            f"The visit is {inspection.get_status_display().lower()}; photos go with results not yet submitted.",
            code="invalid_transition",
            status=inspection.status,
        )
    line = inspection.lines.filter(serial_number=serial_normalise(serial_number)).first()
    if line is None:
        raise InvalidInput({"serial_number": [f"{serial_number} is not a chassis of this visit."]})
    return InspectionPhoto.objects.create(
        line=line,
        file=upload,
        original_name=upload.name[:255],
        content_type=content_type,
        size=upload.size,
        uploaded_by=user,
    )
