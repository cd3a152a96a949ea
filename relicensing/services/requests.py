"""Opening a relicensing request, cancelling or rejecting it, and its documents."""

import datetime as dt
from collections.abc import Sequence
from typing import Any

import filetype
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Organization, User
from accounts.permissions import action_require
from common.errors import Conflict, DomainError, InvalidInput
from common.formats import visit_day
from common.numbers import number_next
from common.workflow import transition_start
from relicensing.business_days import earliest_inspection_date, holiday_name, is_business_day
from relicensing.choices import DocumentKind, RequestStatus
from relicensing.eligibility import PATHS, REASONS
from relicensing.locks import units_lock
from relicensing.models import Equipment, Registration, Request, RequestDocument, RequestDraft, RequestItem
from relicensing.services.drafts import DRAFT_KEPT_FOR, STAGING_DIR, staged_paths
from relicensing.services.equipment import registrations_refresh
from relicensing.services.lifecycle import request_transition

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
DOCUMENT_TYPES = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG"}


@transaction.atomic
def request_create(
    *,
    customer: Organization,
    user: User,
    site: dict[str, str],
    equipment: Sequence[int],
    preferred_inspection_date: dt.date,
) -> Request:
    """Open a request for one site: eligible chassis of this customer, one vendor, a date at
    least the vendor's lead time ahead, no chassis already in another open request.

    Eligibility is judged now, from the facts with the units locked and today's date, not read
    from the stored answer: support that ended this morning, or a hold placed a moment ago,
    keeps a chassis out."""
    action_require(user, "request_open", customer)
    registrations = _registrations_for(customer, equipment)
    vendor = registrations[0].equipment.vendor
    inspection_date_check(
        lead_business_days=vendor.inspection_lead_business_days,
        preferred=preferred_inspection_date,
        country=site.get("country", ""),
    )
    request = Request.objects.create(
        number=number_next(sequence="relicensing_request_number_seq", prefix="RQ"),
        customer=customer,
        vendor=vendor,
        preferred_inspection_date=preferred_inspection_date,
        created_by=user,
        **{f"site_{k}" if k in ("name", "address", "country") else k: v for k, v in site.items()},
    )
    try:
        with transaction.atomic():
            RequestItem.objects.bulk_create(
                [RequestItem(request=request, registration=r, equipment=r.equipment) for r in registrations]
            )
    except IntegrityError as exc:
        raise _already_requested(registrations) from exc
    transition_start(request, actor=user)
    return request


def _registrations_for(customer: Organization, ids: Sequence[int]) -> list[Registration]:
    if not ids:
        raise DomainError("Choose at least one chassis.", code="no_equipment")
    mine = Registration.objects.filter(organization=customer, pk__in=ids)
    unknown = set(ids) - set(mine.values_list("pk", flat=True))
    if unknown:
        # The same answer whether the id exists elsewhere or nowhere: nothing is revealed.
        raise InvalidInput(
            {
                "equipment": [
                    f"No equipment {i} is registered to {customer.name}." for i in ids if i in unknown
                ]
            }
        )
    units_lock(Equipment.objects.filter(pk__in=mine.values("equipment_id")))
    registrations_refresh(mine)  # today's answer, from the facts as they stand under the lock
    found = {r.pk: r for r in mine.select_related("equipment__vendor", "equipment__product")}
    registrations = [found[i] for i in dict.fromkeys(ids)]
    ineligible = [r for r in registrations if not r.can_enter_request]
    if ineligible:
        raise _ineligible(DomainError, ineligible, "Some chassis cannot enter the inspection programme")
    vendors = {r.equipment.vendor_id for r in registrations}
    if len(vendors) > 1:
        raise DomainError(
            "A request covers one vendor's programme; open one request per vendor.", code="mixed_vendors"
        )
    return registrations


def request_chassis_check(*, request: Request, decision: str) -> None:
    """Before a decision on an open request (a quote issued or accepted; later, approval): its
    chassis judged again now, with their units locked, so a hold, a flag or a settled dispute
    that came after the request was opened stops the decision. 409 `ineligible_equipment`.
    Call it with the request (and any children the decision changes) locked: serial locks come
    after them in the lock order."""
    ineligible = request_chassis_ineligible(request=request)
    if ineligible:
        raise _ineligible(
            Conflict,
            ineligible,
            f"{decision} is not possible: some chassis can no longer enter the programme",
            then=" Cancel the request, or ask programme staff about the reasons.",
        )


def request_chassis_ineligible(*, request: Request, outcome: str | None = None) -> list[Registration]:
    """The request's chassis (those with this inspection outcome, if given) that cannot enter the
    programme today, judged again from the facts."""
    items = request.items.filter(outcome=outcome) if outcome else request.items.all()
    registrations = Registration.objects.filter(pk__in=items.values("registration_id"))
    registrations_refresh(registrations)
    return [r for r in registrations.select_related("equipment") if not r.can_enter_request]


def chassis_why_not(registration: Registration) -> str:
    """ "SERIAL (its reasons in words)", as refusals name a chassis."""
    return f"{registration.equipment.serial_number} ({_why_not(registration)})"


def _ineligible(
    error: type[DomainError], registrations: list[Registration], lead: str, *, then: str = ""
) -> DomainError:
    return error(
        f"{lead}: "
        + "; ".join(f"{r.equipment.serial_number} ({_why_not(r)})" for r in registrations)
        + "."
        + then,
        code="ineligible_equipment",
        equipment=[
            {
                "equipment": r.pk,
                "serial_number": r.equipment.serial_number,
                "path": r.path,
                "reasons": r.reasons,
            }
            for r in registrations
        ],
    )


def _why_not(registration: Registration) -> str:
    """The reasons in words ("compliance hold, damaged or not working"), never their codes."""
    if registration.reasons:
        return ", ".join(REASONS[code].title.lower() for code in registration.reasons)
    return PATHS[registration.path].title.lower()


# Visits are booked within a year: a later date is a typo (and a calendar has no 10,000th year).
BOOKING_HORIZON = dt.timedelta(days=366)


def inspection_date_check(*, lead_business_days: int, preferred: dt.date, country: str) -> None:
    """A visit date at least the lead time ahead (400 `lead_time` naming the earliest), within a
    year, on a business day at the site: weekends and the public holidays of its country are
    refused (400 `not_a_business_day`, naming the holiday); past a year, 400 `date_too_far_ahead`. The one rule for a request's preferred
    date, the wizard's date step (so a person hears of it before submitting), and booking or
    moving a visit."""
    today = timezone.localdate()
    earliest = earliest_inspection_date(today=today, lead_business_days=lead_business_days, country=country)
    if preferred > today + BOOKING_HORIZON:
        raise DomainError(
            f"Visits are booked up to a year ahead: {visit_day(today + BOOKING_HORIZON)} at the latest.",
            code="date_too_far_ahead",
        )
    if preferred < earliest:
        raise DomainError(
            f"Inspections need {lead_business_days} business days' notice: the earliest date is {visit_day(earliest)}.",
            code="lead_time",
            earliest_date=earliest.isoformat(),
        )
    if not is_business_day(preferred, country):
        holiday = holiday_name(preferred, country)
        why = f"a public holiday there ({holiday})" if holiday else "not a business day"
        raise DomainError(
            f"{visit_day(preferred)} is {why}; choose a weekday that is not a holiday at the site.",
            code="not_a_business_day",
            earliest_date=earliest.isoformat(),
        )


def _already_requested(registrations: list[Registration]) -> Conflict:
    taken = list(
        RequestItem.objects.filter(
            equipment__in=[r.equipment_id for r in registrations], is_open=True
        ).select_related("equipment", "request")
    )
    return Conflict(
        "Already in an open request: "
        + ", ".join(f"{i.equipment.serial_number} ({i.request.number})" for i in taken)
        + ". Cancel that request first or wait for it to close.",
        code="already_requested",
        serial_numbers=[i.equipment.serial_number for i in taken],
    )


def request_cancel(*, request: Request, user: User, reason: str = "") -> Request:
    """Customer or partner withdraw a request, before inspection results (the table says when);
    its open quote is withdrawn with it (the quote workflow follows the request)."""
    action_require(user, "request_cancel", request)
    return request_transition(request=request, to=RequestStatus.CANCELLED, actor=user, reason=reason)


def request_reject(*, request: Request, user: User, reason: str) -> Request:
    action_require(user, "request_reject", request)
    if not reason.strip():
        raise DomainError(
            "Say why the request is rejected; the customer will read it.", code="reason_required"
        )
    return request_transition(request=request, to=RequestStatus.REJECTED, actor=user, reason=reason.strip())


def document_upload(*, request: Request, user: User, kind: DocumentKind, upload: Any) -> RequestDocument:
    """A proof, judged by its content (not its name or claimed type): PDF, PNG or JPEG, ≤ 10 MB."""
    action_require(user, "document_upload", request)
    content_type = document_check(upload=upload)
    if not request.is_open:
        raise Conflict(
            f"Request {request.number} is {request.get_status_display().lower()}; it takes no more documents.",
            code="invalid_transition",
            status=request.status,
        )
    return RequestDocument.objects.create(
        request=request,
        kind=kind,
        file=upload,
        original_name=upload.name[:255],
        content_type=content_type,
        size=upload.size,
        uploaded_by=user,
    )


def document_check(*, upload: Any) -> str:
    """The upload's content type when it is an acceptable proof; the request wizard checks
    files with it before the request exists."""
    if upload.size > MAX_DOCUMENT_BYTES:
        raise DomainError(
            f"The file is {upload.size / 1_048_576:.1f} MB; documents may be at most 10 MB.",
            code="file_too_large",
        )
    head = upload.read(8192)
    upload.seek(0)
    detected = filetype.guess(head)
    if detected is None or detected.mime not in DOCUMENT_TYPES:
        raise DomainError(
            "Upload a PDF, PNG or JPEG file; this file's content is none of those.",
            code="unsupported_file_type",
        )
    return str(detected.mime)


def document_verify(*, document: RequestDocument, user: User, verified: bool) -> RequestDocument:
    action_require(user, "document_verify", document.request)
    if document.kind != DocumentKind.PROOF_OF_LICENSE:
        raise DomainError("Only a proof of licence is verified.", code="not_a_licence_proof")
    document.verified, document.verified_by, document.verified_at = verified, user, timezone.now()
    document.save(update_fields=["verified", "verified_by", "verified_at"])
    return document


# A file is stored a moment before the draft naming it is saved; a file no draft names is left
# alone for this long, so the sweep never takes a proof while its draft is being written.
UNCLAIMED_FILE_GRACE = dt.timedelta(days=1)


def staged_documents_sweep(*, now: dt.datetime | None = None) -> int:
    """Delete the drafts nobody touched for DRAFT_KEPT_FOR, with the proofs they staged, and staged
    files that no draft names (their person was deleted, or their draft predates server-side
    drafts). A live draft's files stay, however old. Returns how many files were deleted.

    The abandoned drafts are locked before they are deleted, and the age is checked under the
    lock, so a draft its person touches while the sweep runs stays, and two sweeps at once
    delete each draft once."""
    now = now or timezone.now()
    with transaction.atomic():
        abandoned_drafts = dict(
            RequestDraft.objects.select_for_update(skip_locked=True)
            .filter(updated_at__lt=now - DRAFT_KEPT_FOR)
            .values_list("pk", "data")
        )
        RequestDraft.objects.filter(pk__in=abandoned_drafts).delete()
    abandoned = {path for data in abandoned_drafts.values() for path in staged_paths(data)}
    live = {
        path for data in RequestDraft.objects.values_list("data", flat=True) for path in staged_paths(data)
    }
    if not default_storage.exists(STAGING_DIR):
        return 0
    removed = 0
    for user_dir in default_storage.listdir(STAGING_DIR)[0]:
        for name in default_storage.listdir(f"{STAGING_DIR}/{user_dir}")[1]:
            path = f"{STAGING_DIR}/{user_dir}/{name}"
            if path not in live and (path in abandoned or _staged_before(path, now - UNCLAIMED_FILE_GRACE)):
                default_storage.delete(path)
                removed += 1
    return removed


def _staged_before(path: str, moment: dt.datetime) -> bool:
    try:
        return default_storage.get_modified_time(path) < moment
    except FileNotFoundError:  # its draft was discarded or submitted meanwhile
        return False
