"""Registrations, eligibility refresh, compliance holds, flags and ownership disputes.

Every change here takes the serial lock of the unit first (relicensing.locks), writes an
EquipmentEvent (the audited history) and refreshes the stored eligibility of the registrations
it touches, in the same transaction: the stored answer is never staler than that transaction.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Organization, User
from accounts.permissions import action_require
from common.errors import Conflict, DomainError
from common.formats import day
from common.workflow import transition
from relicensing.choices import (
    AcquisitionChannel,
    Condition,
    EventKind,
    Flag,
    RegistrationStatus,
    RequestStatus,
    Retirement,
)
from relicensing.eligibility import Facts, eligibility
from relicensing.locks import products_share_lock, serials_lock, units_lock
from relicensing.models import (
    ComplianceHold,
    Equipment,
    EquipmentEvent,
    Product,
    Registration,
    Vendor,
)
from relicensing.selectors import open_requests_for_unit
from relicensing.serials import serial_clean
from relicensing.services.lifecycle import request_lock, request_transition


def registration_facts(registration: Registration) -> Facts:
    """The facts of a registration loaded through `Registration.objects.with_facts()`."""
    equipment = registration.equipment
    product = equipment.product
    return Facts(
        product_known=product is not None,
        end_of_support=product.end_of_support if product else None,
        # A unit retired for good (returned under an RMA, taken back) is out of commission: DOMAIN.md's
        # "permanently damaged, out of commission or unusable", final.
        flags=equipment.flags | ({Flag.PERMANENTLY_DAMAGED.value} if equipment.retired else frozenset()),
        on_hold=registration.on_hold,  # type: ignore[attr-defined]
        channel=registration.acquisition_channel,
        condition=registration.condition,
        # A claim settled for someone else stays disputed from its holder's point of view.
        disputed=registration.disputed or not registration.is_active,  # type: ignore[attr-defined]
    )


def registrations_refresh(registrations: QuerySet[Registration], *, today: dt.date | None = None) -> int:
    """Recompute stored eligibility through `eligibility()`, with the units locked, from the facts
    as committed now; returns how many answers changed."""
    today = today or timezone.localdate()
    units_lock(Equipment.objects.filter(pk__in=registrations.values("equipment_id")))
    changed = []
    for registration in registrations.with_facts():  # type: ignore[attr-defined]
        result = eligibility(registration_facts(registration), today=today)
        current = (registration.eligible, registration.path, list(registration.reasons))
        if current != (result.eligible, result.path, list(result.reasons)):
            registration.eligible, registration.path = result.eligible, result.path
            registration.reasons = list(result.reasons)
            changed.append(registration)
    Registration.objects.bulk_update(changed, ["eligible", "path", "reasons"], batch_size=1000)
    return len(changed)


def _serial_registrations(vendor: Vendor, serial_number: str) -> QuerySet[Registration]:
    return Registration.objects.filter(equipment__vendor=vendor, equipment__serial_number=serial_number)


def _event(
    equipment_or_vendor: Equipment | Vendor,
    kind: EventKind,
    *,
    actor: User | None,
    serial_number: str = "",
    organization: Organization | None = None,
    note: str = "",
) -> EquipmentEvent:
    if isinstance(equipment_or_vendor, Equipment):
        vendor, serial_number = equipment_or_vendor.vendor, equipment_or_vendor.serial_number
    else:
        vendor = equipment_or_vendor
    return EquipmentEvent.objects.create(
        vendor=vendor,
        serial_number=serial_number,
        kind=kind,
        actor=actor,
        organization=organization,
        note=note,
    )


@transaction.atomic
def registration_create(
    *,
    organization: Organization,
    user: User | None,
    vendor: Vendor,
    serial_number: str,
    product: str,
    acquisition_channel: AcquisitionChannel,
    condition: Condition = Condition.WORKING,
    acquired_from: str = "",
    acquired_on: dt.date | None = None,
) -> Registration:
    """Register a serial to an organisation; a rival claim puts both in dispute.

    The serial lock makes two claims on one serial run one after the other, so the second sees
    the first and both end in dispute."""
    action_require(user, "registration_create", organization)
    serial = serial_clean(vendor, serial_number)
    known_product = Product.objects.filter(vendor=vendor, model__iexact=product.strip()).first()
    if known_product is not None:  # its dates hold still until this registration is judged
        products_share_lock([known_product.pk])
        known_product.refresh_from_db()
    serials_lock([(vendor.pk, serial)])
    equipment = _equipment_get_or_create(vendor, serial, known_product, product.strip(), organization)
    if equipment.retired:  # read under the serial lock the retiring service also takes
        raise Conflict(
            retired_refusal(vendor=vendor, serial_number=serial, retired=equipment.retired),
            code="retired_equipment",
            serial_number=serial,
        )
    if Registration.objects.filter(equipment=equipment, organization=organization).exists():
        raise Conflict(
            f"{organization.name} has already registered {vendor.name} serial {serial}.",
            code="already_registered",
            serial_number=serial,
        )
    rivals = list(equipment.registrations.active().select_related("organization"))
    registration = Registration.objects.create(
        equipment=equipment,
        organization=organization,
        acquisition_channel=acquisition_channel,
        acquired_from=acquired_from,
        acquired_on=acquired_on,
        condition=condition,
        registered_by=user,
    )
    first = equipment.current_owner_id is None
    if first:
        Equipment.objects.filter(pk=equipment.pk).update(current_owner=organization)
    note = "First registration, so the owner of record." if first else ""
    _event(equipment, EventKind.REGISTERED, actor=user, organization=organization, note=note)
    if rivals:
        names = ", ".join(r.organization.name for r in rivals)
        _event(
            equipment,
            EventKind.DISPUTE_OPENED,
            actor=user,
            organization=organization,
            note=f"Also claimed by {names}.",
        )
    registrations_refresh(Registration.objects.filter(equipment=equipment))
    registration.refresh_from_db()
    return registration


def retired_refusal(*, vendor: Vendor, serial_number: str, retired: str) -> str:
    """Why a unit that left service for good cannot be registered (by anyone, ever again); the
    same words from single registration and from an import's row."""
    why: dict[str, str] = {
        Retirement.RETURNED_RMA: "returned to the vendor under an RMA",
        Retirement.TAKEN_BACK: "returned for the vendor's take-back and recycling",
    }
    return (
        f"{vendor.name} serial {serial_number} was {why.get(retired, 'retired')}; "
        "it can never be registered again as working equipment."
    )


def _equipment_get_or_create(
    vendor: Vendor, serial: str, product: Product | None, reported_model: str, owner: Organization
) -> Equipment:
    defaults = {
        "product": product,
        "reported_model": "" if product else reported_model[:100],
        "original_owner": owner,
    }  # current_owner is set by the caller, which records the ownership event
    try:
        with transaction.atomic():
            equipment, _ = Equipment.objects.get_or_create(
                vendor=vendor, serial_number=serial, defaults=defaults
            )
    except IntegrityError:  # inserted at the same instant by a path that does not take the serial lock
        equipment = Equipment.objects.get(vendor=vendor, serial_number=serial)
    return equipment


@transaction.atomic
def hold_place(*, vendor: Vendor, serial_number: str, reason: str, user: User) -> ComplianceHold:
    action_require(user, "hold_place")
    serial = serial_clean(vendor, serial_number)  # a hold on a malformed serial would never match a unit
    if not reason.strip():
        raise DomainError(
            "Say why the serial is held (export control, fraud, dispute...).", code="reason_required"
        )
    serials_lock([(vendor.pk, serial)])
    hold = ComplianceHold.objects.create(
        vendor=vendor, serial_number=serial, reason=reason.strip(), placed_by=user
    )
    _event(vendor, EventKind.HOLD_PLACED, actor=user, serial_number=serial, note=hold.reason)
    registrations_refresh(_serial_registrations(vendor, serial))
    return hold


@transaction.atomic
def hold_release(*, hold: ComplianceHold, note: str, user: User) -> ComplianceHold:
    action_require(user, "hold_release")
    serials_lock([(hold.vendor_id, hold.serial_number)])  # before the hold: the lock order
    hold = ComplianceHold.objects.select_for_update().get(pk=hold.pk)
    if not hold.is_active:
        raise Conflict(
            f"This hold was already released on {day(hold.released_at)}.",
            code="invalid_transition",
            status="released",
        )
    if not note.strip():
        raise DomainError("Add a note saying why the hold is released.", code="note_required")
    hold.released_at, hold.released_by, hold.release_note = timezone.now(), user, note.strip()
    hold.save(update_fields=["released_at", "released_by", "release_note"])
    _event(
        hold.vendor,
        EventKind.HOLD_RELEASED,
        actor=user,
        serial_number=hold.serial_number,
        note=hold.release_note,
    )
    registrations_refresh(_serial_registrations(hold.vendor, hold.serial_number))
    return hold


@transaction.atomic
def equipment_flag_set(
    *, equipment: Equipment, flag: Flag, note: str, user: User, value: bool = True
) -> Equipment:
    """Set (or clear) a staff flag. `permanently_damaged` is final: it can never be cleared."""
    action_require(user, "equipment_flag")
    serials_lock([(equipment.vendor_id, equipment.serial_number)])
    equipment = Equipment.objects.select_for_update().get(pk=equipment.pk)
    if not value and flag == Flag.PERMANENTLY_DAMAGED:
        raise DomainError(
            "A unit declared permanently damaged stays so: the flag can never be cleared.",
            code="permanently_damaged_final",
        )
    if getattr(equipment, flag) == value:
        return equipment
    setattr(equipment, flag, value)
    equipment.save(update_fields=[flag])
    kind = EventKind.FLAGGED if value else EventKind.FLAG_CLEARED
    _event(equipment, kind, actor=user, note=f"{Flag(flag).label}. {note}".strip())
    registrations_refresh(Registration.objects.filter(equipment=equipment))
    return equipment


@transaction.atomic
def ownership_settle(*, equipment: Equipment, organization: Organization, note: str, user: User) -> Equipment:
    """Staff settle a dispute for one claimant; the other claims stay on record, settled elsewhere.

    An open request another claimant made for the unit is rejected with the reason (its quote
    withdrawn with it), so the owner of record can put the unit into a request of its own."""
    action_require(user, "ownership_settle")
    losing_requests = [  # requests first: the lock order
        request_lock(r.pk) for r in open_requests_for_unit(equipment=equipment, other_than=organization)
    ]
    serials_lock([(equipment.vendor_id, equipment.serial_number)])
    equipment = Equipment.objects.select_for_update().get(pk=equipment.pk)
    claims = equipment.registrations.active()
    if not claims.filter(organization=organization).exists():
        raise DomainError(
            f"{organization.name} has no active claim on {equipment.serial_number}.", code="not_a_claimant"
        )
    if not note.strip():
        raise DomainError("Say how ownership was settled (the evidence seen).", code="note_required")
    for losing in claims.filter(~Q(organization=organization)).order_by("pk"):
        transition(losing, to=RegistrationStatus.SETTLED_ELSEWHERE, actor=user, reason=note.strip())
    _event(equipment, EventKind.DISPUTE_SETTLED, actor=user, organization=organization, note=note.strip())
    if equipment.current_owner_id != organization.pk:
        equipment.current_owner = organization
        equipment.save(update_fields=["current_owner"])
        _event(equipment, EventKind.OWNER_CHANGED, actor=user, organization=organization, note=note.strip())
    registrations_refresh(Registration.objects.filter(equipment=equipment))
    for request in losing_requests:
        request_transition(
            request=request,
            to=RequestStatus.REJECTED,
            actor=user,
            reason=f"Ownership of {equipment.serial_number} was settled for another organisation.",
        )
    return equipment


def units_adopt(*, product: Product) -> int:
    """Units registered with this model's name while the catalog lacked it become units of it;
    their registrations are judged again. Returns how many units."""
    orphans = Equipment.objects.filter(
        vendor=product.vendor, product__isnull=True, reported_model__iexact=product.model
    )
    units_lock(orphans)
    adopted = orphans.update(product=product, reported_model="")
    if adopted:
        registrations_refresh(Registration.objects.filter(equipment__product=product))
    return adopted


def products_refresh(*, product: Product) -> int:
    """After a catalog change (end of support moved), refresh that product's registrations."""
    return registrations_refresh(Registration.objects.filter(equipment__product=product))


@transaction.atomic
def registrations_refresh_past_support(*, today: dt.date | None = None) -> int:
    """Daily sweep: registrations whose product's support ended since they were last judged."""
    today = today or timezone.localdate()
    stale = Registration.objects.filter(equipment__product__end_of_support__lt=today).exclude(
        reasons__contains=["end_of_support"]
    )
    return registrations_refresh(stale, today=today)
