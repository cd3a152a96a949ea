"""RMA swaps: a failed unit on a contract is returned to the vendor and its replacement takes its
place for the rest of the coverage (DOMAIN.md, Contracts), and the donated-equipment rule that
holds every addition to a contract of donated units.

Lock order (common.workflow): the contract row, then the product's row (share), then the serial
locks of both units at once (ascending keys), then their rows. Two swaps that would put one
replacement on two contracts therefore run one after the other on the replacement's serial lock,
and the second sees the first's line: 409 `already_covered`.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import action_require
from common.errors import Conflict, DomainError
from common.formats import day
from contracts.choices import ContractEventKind
from contracts.models import Contract, ContractEvent, ContractLine
from relicensing.choices import (
    AcquisitionChannel,
    EventKind,
    LicenceStatus,
    Reason,
    RegistrationStatus,
    Retirement,
)
from relicensing.eligibility import REASONS
from relicensing.locks import products_share_lock, serials_lock
from relicensing.models import Equipment, Registration, RequestItem, SoftwareLicence
from relicensing.serials import serial_clean, serial_normalise
from relicensing.services.equipment import _event, registration_create, registrations_refresh, retired_refusal
from webhooks.choices import WebhookEvent
from webhooks.services import webhook_event_record


def contract_is_donated(contract: Contract) -> bool:
    """A contract of donated equipment: a unit on it is registered by the contract's owner as
    acquired through the donation programme."""
    return Registration.objects.filter(
        organization_id=contract.owner_id,
        equipment__contract_lines__contract=contract,
        acquisition_channel=AcquisitionChannel.DONATED,
    ).exists()


def contract_accepts(*, contract: Contract, donated: bool, serial_number: str) -> None:
    """400 `donated_contract_only` when equipment obtained elsewhere would join a contract of
    donated equipment. `donated`: the owner holds the unit through the donation programme."""
    if not donated and contract_is_donated(contract):
        raise DomainError(
            f"Contract {contract.number} covers donated equipment: {serial_number} was obtained "
            "elsewhere, and equipment obtained elsewhere cannot be added to it.",
            code="donated_contract_only",
            serial_number=serial_number,
        )


@transaction.atomic
def contract_rma_swap(
    *,
    contract: Contract,
    user: User,
    returned_serial: str,
    replacement_serial: str,
    replacement_product: str = "",
) -> Contract:
    """Swap `returned_serial` on the contract for `replacement_serial` (staff).

    The replacement joins the installed base in the owner's name (registered for it through
    registration_create when the owner has no claim yet) and the contract until its end; the
    returned unit leaves it and is retired as returned under the RMA, never to be registered
    again. A donated-equipment contract keeps its rule: a replacement the owner already holds
    through another channel is refused; one it does not hold yet is registered as donated, since
    the vendor ships it in place of a donated unit, under the donation's terms (it may not be sold
    and goes back to take-back in its turn)."""
    action_require(user, "contract_rma_swap", contract)
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    today = timezone.localdate()
    if contract.status_on(today) == "expired":
        raise Conflict(
            f"Contract {contract.number} expired on {day(contract.ends_on)}: there is no coverage left "
            "for a replacement to join.",
            code="contract_expired",
        )
    returned = _returned_unit(contract, returned_serial)
    vendor = returned.vendor
    replacement_serial = serial_clean(vendor, replacement_serial)
    if replacement_serial == returned.serial_number:
        raise DomainError(
            "The replacement must be another serial than the returned one.", code="rma_same_serial"
        )
    if returned.product_id is not None:
        products_share_lock([returned.product_id])
    serials_lock([(vendor.pk, returned.serial_number), (vendor.pk, replacement_serial)])
    # Still on it, now that it is locked; its row held, as reinstatement holds the rows it changes.
    returned = _returned_unit(contract, returned.serial_number, hold=True)
    replacement = (
        Equipment.objects.select_for_update(of=("self",))
        .select_related("product")
        .filter(vendor=vendor, serial_number=replacement_serial)
        .first()
    )
    _replacement_check(contract, returned, replacement, replacement_serial, replacement_product, today)
    claim = _owner_claim(contract, replacement, replacement_serial)
    donated = contract_is_donated(contract)
    if donated and claim is not None and claim.acquisition_channel != AcquisitionChannel.DONATED:
        contract_accepts(contract=contract, donated=False, serial_number=replacement_serial)
    if claim is None:
        claim = registration_create(
            organization=contract.owner,
            user=user,
            vendor=vendor,
            serial_number=replacement_serial,
            product=returned.model_name,
            # In a donated unit's place it comes under the donation's terms; otherwise the vendor
            # itself shipped it, the authorised channel.
            acquisition_channel=AcquisitionChannel.DONATED if donated else AcquisitionChannel.AUTHORIZED,
            acquired_from=f"{vendor.name}: RMA replacement for {returned.serial_number}",
            acquired_on=today,
        )
    _replacement_sound(claim)
    _not_requested(claim)
    replacement = Equipment.objects.select_related("vendor").get(pk=claim.equipment_id)
    if replacement.current_owner_id != contract.owner_id:
        Equipment.objects.filter(pk=replacement.pk).update(current_owner=contract.owner)
    _swap_record(contract, user, returned, replacement)
    webhook_event_record(
        type=WebhookEvent.RMA_RECORDED,
        target=contract,
        organization=contract.owner_id,
        occurrence=f"rma:{returned.serial_number}:{replacement.serial_number}",
    )
    return contract


# What keeps a unit off a contract whatever its channel: a hold, a flag, a dispute. (Channel
# reasons, such as donated equipment, are the donated-contract rule's business.)
UNSOUND = frozenset(
    {
        Reason.COMPLIANCE_HOLD,
        Reason.REPORTED_LOST_OR_STOLEN,
        Reason.COUNTERFEIT,
        Reason.PERMANENTLY_DAMAGED,
        Reason.DAMAGED,
        Reason.ENVIRONMENTAL_DAMAGE,
        Reason.OWNERSHIP_DISPUTE,
    }
)


def _replacement_sound(claim: Registration) -> None:
    """The replacement, judged now from its facts (its units are locked): a held, flagged or
    disputed unit never joins a contract (409 `ineligible_equipment`)."""
    registrations_refresh(Registration.objects.filter(pk=claim.pk))
    claim.refresh_from_db()
    unsound = [code for code in claim.reasons if code in UNSOUND]
    if unsound:
        raise Conflict(
            f"{claim.equipment.serial_number} cannot join a contract: "
            + ", ".join(REASONS[code].title.lower() for code in unsound)
            + ". Ask for another replacement, or settle this first.",
            code="ineligible_equipment",
            reasons=unsound,
        )


def _licences_move(returned: Equipment, replacement: Equipment, contract: Contract) -> None:
    """The owner's licences on the returned unit (its embedded licence, add-ons, subscriptions)
    end there and are issued on the replacement, as they were: the vendor replaces the unit, not
    what the owner paid for."""
    today = timezone.localdate()
    held = list(
        SoftwareLicence.objects.filter(
            equipment=returned, licensee=contract.owner, status=LicenceStatus.ACTIVE
        ).order_by("pk")
    )
    SoftwareLicence.objects.filter(pk__in=[licence.pk for licence in held]).update(
        status=LicenceStatus.TERMINATED, terminated_on=today
    )
    SoftwareLicence.objects.bulk_create(
        [
            SoftwareLicence(
                equipment=replacement,
                kind=licence.kind,
                description=f"{licence.description} (moved from {returned.serial_number} under an RMA)",
                sku_code=licence.sku_code,
                licensee=contract.owner,
                starts_on=today,
                ends_on=licence.ends_on,
            )
            for licence in held
        ]
    )


def _not_requested(claim: Registration) -> None:
    """A unit in an open relicensing request is on its way to a contract of its own: it cannot
    also join this one (409 `already_requested`)."""
    item = (
        RequestItem.objects.filter(equipment_id=claim.equipment_id, is_open=True)
        .select_related("request")
        .first()
    )
    if item is not None:
        raise Conflict(
            f"{claim.equipment.serial_number} is in open request {item.request.number}; it cannot also join "
            "a contract as a replacement. Cancel that request first, or choose another replacement.",
            code="already_requested",
        )


def _returned_unit(contract: Contract, serial: str, *, hold: bool = False) -> Equipment:
    lines = ContractLine.objects.filter(
        contract=contract, equipment__serial_number=serial_normalise(serial)
    ).select_related("equipment__vendor", "equipment__product")
    if hold:
        lines = lines.select_for_update(of=("equipment",))
    line = lines.first()
    if line is None:
        raise DomainError(
            f"{serial_normalise(serial) or 'That serial'} is not on contract {contract.number}: only a "
            "serial on its inventory can be returned under it.",
            code="not_on_contract",
        )
    return line.equipment


def _replacement_check(
    contract: Contract,
    returned: Equipment,
    replacement: Equipment | None,
    serial: str,
    product: str,
    today: dt.date,
) -> None:
    """Same product as the returned unit (as the programme knows the replacement, and as staff say
    it was shipped), not retired, and covered by no contract active or still to start."""
    expected, stated = returned.model_name, product.strip()
    if replacement is not None and replacement.product_id and returned.product_id:
        known = replacement.product_id == returned.product_id
    else:
        known = replacement is None or replacement.model_name.upper() == expected.upper()
    if not known or (stated and stated.upper() != expected.upper()):
        shipped = replacement.model_name if replacement is not None and not known else stated
        raise DomainError(
            f"{serial} is {shipped}, but the returned {returned.serial_number} is {expected}: an RMA "
            "replaces a unit with one of the same product.",
            code="rma_product_mismatch",
            expected=expected,
        )
    if replacement is None:
        return
    if replacement.retired:
        raise Conflict(
            retired_refusal(vendor=replacement.vendor, serial_number=serial, retired=replacement.retired),
            code="retired_equipment",
        )
    covering = (
        ContractLine.objects.filter(equipment=replacement, contract__ends_on__gte=today)
        .select_related("contract")
        .first()
    )
    if covering is not None:
        raise Conflict(
            f"{serial} is already covered by contract {covering.contract.number} until "
            f"{day(covering.contract.ends_on)}; a unit joins one contract at a time.",
            code="already_covered",
            contract=covering.contract.number,
        )


def _owner_claim(contract: Contract, replacement: Equipment | None, serial: str) -> Registration | None:
    """The owner's active claim on the replacement, if any; a unit another organisation holds is
    refused: the swap would hand it to the owner without settling whose it is."""
    if replacement is None:
        return None
    claims = list(replacement.registrations.all())
    if any(c.organization_id != contract.owner_id and c.is_active for c in claims) or any(
        c.organization_id == contract.owner_id and c.status != RegistrationStatus.ACTIVE for c in claims
    ):
        raise Conflict(
            f"{serial} is registered by another organisation: settle its ownership before it joins a "
            "contract as a replacement.",
            code="registered_elsewhere",
        )
    return next((c for c in claims if c.organization_id == contract.owner_id), None)


def _swap_record(contract: Contract, user: User, returned: Equipment, replacement: Equipment) -> None:
    ContractLine.objects.filter(contract=contract, equipment=returned).delete()
    ContractLine.objects.create(contract=contract, equipment=replacement)
    Equipment.objects.filter(pk=returned.pk).update(
        retired=Retirement.RETURNED_RMA, retired_at=timezone.now()
    )
    registrations_refresh(Registration.objects.filter(equipment=returned))  # it can enter no request now
    _licences_move(returned, replacement, contract)
    owner, until = contract.owner, day(contract.ends_on)
    ContractEvent.objects.create(
        contract=contract,
        kind=ContractEventKind.RMA_SWAP,
        actor=user,
        note=f"RMA: {returned.serial_number} returned to {returned.vendor.name}, replaced by "
        f"{replacement.serial_number} ({returned.model_name}), covered until {until}.",
    )
    _event(
        returned,
        EventKind.RETURNED_RMA,
        actor=user,
        organization=owner,
        note=f"Returned under an RMA on contract {contract.number}; replaced by {replacement.serial_number}.",
    )
    _event(
        replacement,
        EventKind.RMA_REPLACEMENT,
        actor=user,
        organization=owner,
        note=f"Joined contract {contract.number} in place of {returned.serial_number} (RMA), in "
        f"{owner.name}'s name, covered until {until}.",
    )
