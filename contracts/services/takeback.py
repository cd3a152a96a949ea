"""Take-back: the customer returns a donated unit it no longer uses to the vendor's take-back and
recycling (DOMAIN.md, donated equipment). The unit is retired for good, leaves every contract
that still covers it, and can never be registered again, by anyone.

Locks: the unit's serial lock, then its row. A swap or registration of the same unit takes the
same serial lock, so either sees the unit retired or this sees it swapped out. No contract row
is locked: only the unit's own lines are removed, and a contract's rows are taken before serial
locks (common.workflow), never after.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import action_require
from common.errors import Conflict, DomainError
from contracts.choices import ContractEventKind
from contracts.models import ContractEvent, ContractLine
from relicensing.choices import AcquisitionChannel, EventKind, Retirement
from relicensing.locks import serials_lock
from relicensing.models import Equipment, Registration
from relicensing.services.equipment import _event, registrations_refresh


@transaction.atomic
def equipment_take_back(*, registration: Registration, user: User) -> Equipment:
    """Retire a donated unit for take-back (its registering customer only); returns the unit."""
    action_require(user, "equipment_take_back", registration)
    if registration.acquisition_channel != AcquisitionChannel.DONATED:
        raise DomainError(
            f"{registration.equipment.serial_number} was not acquired through the donation programme: "
            "only donated equipment goes back to the vendor's take-back.",
            code="not_donated",
        )
    unit = registration.equipment
    serials_lock([(unit.vendor_id, unit.serial_number)])
    unit = Equipment.objects.select_for_update(of=("self",)).select_related("vendor").get(pk=unit.pk)
    registration.refresh_from_db()
    if unit.retired:
        raise Conflict(
            f"{unit.serial_number} has already left service ({unit.get_retired_display().lower()}).",
            code="already_retired",
        )
    if not registration.is_active or unit.current_owner_id != registration.organization_id:
        raise Conflict(
            f"{registration.organization.name} is not the owner of record of {unit.serial_number}; "
            "only its owner returns it for take-back.",
            code="not_owner_of_record",
        )
    if unit.registrations.active().exclude(organization_id=registration.organization_id).exists():
        raise Conflict(
            f"Another organisation also claims {unit.serial_number}: programme staff settle who owns "
            "it before it can go back for take-back.",
            code="ownership_dispute",
        )
    now = timezone.now()
    Equipment.objects.filter(pk=unit.pk).update(retired=Retirement.TAKEN_BACK, retired_at=now)
    registrations_refresh(Registration.objects.filter(equipment=unit))  # it can enter no request now
    _event(
        unit,
        EventKind.TAKEN_BACK,
        actor=user,
        organization=registration.organization,
        note="No longer in use: returned for the vendor's take-back and recycling.",
    )
    _coverage_end(unit, user, today=timezone.localdate())
    unit.refresh_from_db()
    return unit


def _coverage_end(unit: Equipment, user: User, *, today: dt.date) -> None:
    """The unit leaves the contracts that cover it now or will; an expired contract keeps it, as
    the record of what it covered."""
    lines = list(
        ContractLine.objects.filter(equipment=unit, contract__ends_on__gte=today)
        .select_related("contract")
        .order_by("contract_id")
    )
    ContractLine.objects.filter(pk__in=[line.pk for line in lines]).delete()
    ContractEvent.objects.bulk_create(
        ContractEvent(
            contract=line.contract,
            kind=ContractEventKind.TAKEN_BACK,
            actor=user,
            note=f"{unit.serial_number} returned for take-back and recycling: no longer covered.",
        )
        for line in lines
    )
