"""One unit's page: facts, eligibility, licences, history, its inspections, the relicense-or-refurbished comparison
(from the price book), and for staff the tools to flag, hold and settle.

A unit can be claimed by more than one organisation, and its history runs back before the
current owner; names of organisations outside the viewer's reach are never shown.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.models import Organization, User
from accounts.permissions import action_allowed
from common.errors import DomainError
from contracts import pricing
from contracts.choices import SkuKind
from contracts.models import Contract
from inspections.selectors import equipment_inspection_history
from relicensing import selectors
from relicensing.choices import AcquisitionChannel, EventKind, Flag, Path
from relicensing.models import Equipment, EquipmentEvent, Registration, SoftwareLicence
from relicensing.views.access import installed_base_page

ELSEWHERE = "Another organisation"
Reach = set[int] | None  # organisation ids the viewer may see; None for staff, who see all


@installed_base_page
def equipment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    registration = selectors.registration_get(user=request.user, pk=pk)  # type: ignore[arg-type]
    context = detail_context(user=request.user, registration=registration)  # type: ignore[arg-type]
    return render(request, "relicensing/equipment_detail.html", context)


def detail_context(*, user: User, registration: Registration) -> dict[str, Any]:
    equipment = registration.equipment
    reach = None if user.is_programme_staff else set(_visible_organizations(user))
    context = {
        "registration": registration,
        "equipment": equipment,
        "flag_labels": [flag.label for flag in Flag if flag.value in equipment.flags],
        "gray_market": registration.acquisition_channel == AcquisitionChannel.SECONDARY_MARKET,
        "licences": _licences(equipment, reach),
        "history": _history(equipment, reach),
        "inspection_history": equipment_inspection_history(user=user, equipment_id=equipment.pk),
        "coverage": _coverage(equipment, user),
        # The owner of a donated unit returns it for take-back (contracts.services.takeback).
        "may_take_back": registration.acquisition_channel == AcquisitionChannel.DONATED
        and not equipment.retired
        and action_allowed(user, "equipment_take_back", registration),
        "holds": list(selectors.holds_for(vendor=equipment.vendor, serial_number=equipment.serial_number)),
        **_comparison(registration),
    }
    if user.is_programme_staff:
        context.update(_staff_tools(equipment))
    return context


def _visible_organizations(user: User) -> list[int]:
    return list(Organization.objects.visible_to(user).values_list("pk", flat=True))


def _name(organization: Organization | None, reach: Reach) -> str:
    if organization is None:
        return ""
    return organization.name if reach is None or organization.pk in reach else ELSEWHERE


# --- history -------------------------------------------------------------------
@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    what: str
    organization: str
    who: str
    note: str


def _history(equipment: Equipment, reach: Reach) -> list[HistoryRow]:
    events = selectors.equipment_history(vendor=equipment.vendor, serial_number=equipment.serial_number)
    return [
        HistoryRow(
            at=event.at,
            what=event.get_kind_display(),
            organization=_name(event.organization, reach),
            who=_actor(event, reach),
            note=_note(event, reach),
        )
        for event in events
    ]


def _actor(event: EquipmentEvent, reach: Reach) -> str:
    actor = event.actor
    if actor is None:
        return "The system"
    if actor.is_programme_staff:
        return f"{actor.display_name} (programme staff)"
    return actor.display_name if reach is None or actor.organization_id in reach else ELSEWHERE


def _note(event: EquipmentEvent, reach: Reach) -> str:
    if reach is None:
        return event.note
    if event.organization_id is not None and event.organization_id not in reach:
        return ""  # another organisation's reasons are its own
    if event.kind == EventKind.DISPUTE_OPENED:
        return "Another organisation also claims this serial."  # the stored note names it
    return event.note


# --- coverage -------------------------------------------------------------------
def _coverage(equipment: Equipment, user: User) -> list[tuple[Contract, str]]:
    """The contracts with this unit on their inventory that the reader may see, latest first, with
    their status today (active, future or expired)."""
    today = timezone.localdate()
    contracts = (
        Contract.objects.visible_to(user).filter(lines__equipment=equipment).order_by("-starts_on", "number")
    )
    return [(contract, contract.status_on(today)) for contract in contracts]


# --- licences and prices ---------------------------------------------------------
def _licences(equipment: Equipment, reach: Reach) -> list[dict[str, Any]]:
    licences = SoftwareLicence.objects.filter(equipment=equipment).select_related("licensee")
    return [{"licence": licence, "licensee": _name(licence.licensee, reach)} for licence in licences]


def _comparison(registration: Registration) -> dict[str, Any]:
    """Programme cost beside the refurbished band, for a chassis on the paid path only:
    bought new or certified refurbished needs no relicensing fee, so nothing is compared."""
    product = registration.equipment.product
    if not (
        registration.eligible and registration.path == Path.INSPECTION and product and product.is_chassis
    ):
        return {}
    skus = list(product.skus.order_by("kind", "code"))
    extras = [sku for sku in skus if sku.kind in (SkuKind.ADDON_LICENSE, SkuKind.SUBSCRIPTION)]
    try:
        comparison = pricing.relicense_or_refurbished(product, skus=skus)
    except DomainError as exc:  # the price book lacks a fee SKU: say so, quote nothing
        return {"comparison_error": exc.detail, "extras": extras}
    return {"comparison": comparison, "extras": extras}


# --- staff ----------------------------------------------------------------------
def _staff_tools(equipment: Equipment) -> dict[str, Any]:
    claims = list(equipment.registrations.active().select_related("organization"))
    return {
        "flags_to_set": [flag for flag in Flag if flag.value not in equipment.flags],
        # Permanently damaged is final: it is never offered for clearing.
        "flags_to_clear": [
            flag for flag in Flag if flag.value in equipment.flags and flag != Flag.PERMANENTLY_DAMAGED
        ],
        "claims": claims,
    }
