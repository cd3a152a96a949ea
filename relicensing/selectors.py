"""Reads of the catalog and the installed base, narrowed to what the caller may see."""

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.choices import OrganizationKind, Role
from accounts.models import Organization, User
from contracts.models import ContractLine
from relicensing.choices import OPEN_STATUSES, RegistrationStatus, RequestStatus
from relicensing.eligibility import Facts, eligibility
from relicensing.models import (
    ComplianceHold,
    Equipment,
    EquipmentEvent,
    Product,
    Registration,
    Request,
    RequestItem,
    Vendor,
)
from relicensing.serials import serial_normalise


def vendor_list() -> QuerySet[Vendor]:
    return Vendor.objects.order_by("name")


def product_list() -> QuerySet[Product]:
    return Product.objects.select_related("vendor").order_by("vendor__name", "model")


def registration_list(*, user: User) -> QuerySet[Registration]:
    return (
        Registration.objects.visible_to(user)
        .select_related("equipment__vendor", "equipment__product", "organization")
        .order_by("-created_at", "-id")
    )


def registration_get(*, user: User, pk: int) -> Registration:
    try:
        return registration_list(user=user).get(pk=pk)
    except (Registration.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def customer_for(*, user: User, customer_id: Any) -> Organization:
    """The customer organisation a write is for: the caller's own, or (partner, staff) one
    they may act for. Anything else is a 404, never a hint that it exists."""
    if user.role == Role.CUSTOMER:
        assert user.organization is not None
        return user.organization
    customers = Organization.objects.visible_to(user).filter(kind=OrganizationKind.CUSTOMER)
    try:
        return customers.get(pk=int(customer_id))
    except (Organization.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404("No such customer.") from exc


def equipment_history(*, vendor: Vendor, serial_number: str) -> QuerySet[EquipmentEvent]:
    return EquipmentEvent.objects.filter(vendor=vendor, serial_number=serial_number).select_related(
        "actor", "organization"
    )


def holds_for(*, vendor: Vendor, serial_number: str) -> QuerySet[ComplianceHold]:
    return ComplianceHold.objects.filter(vendor=vendor, serial_number=serial_number).select_related(
        "placed_by", "released_by"
    )


def hold_list(*, active_only: bool = True) -> QuerySet[ComplianceHold]:
    holds = ComplianceHold.objects.select_related("vendor", "placed_by", "released_by")
    return holds.active() if active_only else holds


def dispute_list() -> QuerySet[Equipment]:
    """Units that more than one organisation claims, awaiting staff."""
    return (
        Equipment.objects.annotate(
            claims=Count("registrations", filter=Q(registrations__status=RegistrationStatus.ACTIVE))
        )
        .filter(claims__gt=1)
        .select_related("vendor", "product")
        .prefetch_related("registrations__organization")
        .order_by("vendor__name", "serial_number")
    )


@dataclass(frozen=True)
class _SerialFacts:
    """What the database knows about a batch of serials, fetched in four queries."""

    units: dict[str, Equipment]
    held: set[str]
    claims: Counter[str]
    covered: set[str]


def _serial_facts(vendor: Vendor, serials: list[str], today: dt.date) -> _SerialFacts:
    return _SerialFacts(
        units={
            e.serial_number: e
            for e in Equipment.objects.filter(vendor=vendor, serial_number__in=serials).select_related(
                "product"
            )
        },
        held=set(
            ComplianceHold.objects.active()
            .filter(vendor=vendor, serial_number__in=serials)
            .values_list("serial_number", flat=True)
        ),
        claims=Counter(
            Registration.objects.active()
            .filter(equipment__vendor=vendor, equipment__serial_number__in=serials)
            .values_list("equipment__serial_number", flat=True)
        ),
        covered=set(
            ContractLine.objects.filter(
                equipment__vendor=vendor,
                equipment__serial_number__in=serials,
                contract__starts_on__lte=today,
                contract__ends_on__gte=today,
            ).values_list("equipment__serial_number", flat=True)
        ),
    )


def serial_checks(
    *, vendor: Vendor, serial_numbers: list[str], product: Product | None = None, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """The buyer's check for many serials at once, in a fixed number of queries.

    A serial nobody registered is judged with `product` when the buyer names the model on
    offer; otherwise its product is unknown, and says so.
    """
    today = today or timezone.localdate()
    serials = list(dict.fromkeys(serial_normalise(s) for s in serial_numbers if serial_normalise(s)))
    known = _serial_facts(vendor, serials, today)
    return [_serial_check(vendor, serial, known, product, today) for serial in serials]


def _serial_check(
    vendor: Vendor, serial: str, known: _SerialFacts, offered: Product | None, today: dt.date
) -> dict[str, Any]:
    unit = known.units.get(serial)
    product = unit.product if unit else offered
    result = eligibility(
        Facts(
            product_known=product is not None,
            end_of_support=product.end_of_support if product else None,
            flags=unit.flags if unit else frozenset(),
            on_hold=serial in known.held,
            disputed=known.claims[serial] > 1,
        ),
        today=today,
    )
    return {
        "vendor": vendor.slug,
        "serial_number": serial,
        "known": unit is not None,
        "product": product.model if product else None,
        "end_of_support": product.end_of_support if product else None,
        "compliance_hold": serial in known.held,
        "reported_lost_or_stolen": bool(unit and unit.lost_or_stolen),
        "counterfeit": bool(unit and unit.counterfeit),
        "under_contract": serial in known.covered,
        "eligible": result.eligible,
        "path": result.path,
        "reasons": list(result.reasons),
    }


# --- relicensing requests ---------------------------------------------------------
def request_list(*, user: User) -> QuerySet[Request]:
    """Requests in the user's reach, with what a list row shows, in a fixed number of queries."""
    return (
        Request.objects.visible_to(user)
        .select_related("customer", "vendor")
        .annotate(chassis_count=Count("items"))
        .order_by("-created_at", "-id")
    )


def request_get(*, user: User, pk: int) -> Request:
    try:
        return Request.objects.visible_to(user).select_related("customer", "vendor", "created_by").get(pk=pk)
    except (Request.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def request_detail(*, user: User, pk: int) -> Request:
    """A request with what its API answer carries: chassis, quotes newest first, timeline,
    documents, each fetched once."""
    from contracts.models import Quote

    try:
        return (
            request_list(user=user)
            .prefetch_related(
                "items__equipment__product",
                Prefetch("quotes", queryset=Quote.objects.order_by("-revision")),
                "transitions__actor",
                "documents",
            )
            .get(pk=pk)
        )
    except (Request.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def request_status_counts(*, user: User, statuses: Iterable[str] | None = None) -> dict[str, int]:
    """How many requests in the user's reach stand in each status (one aggregate query)."""
    wanted = list(statuses if statuses is not None else RequestStatus.values)
    return Request.objects.visible_to(user).aggregate(
        **{str(status): Count("id", filter=Q(status=status)) for status in wanted}
    )


def requests_awaiting_quote(*, user: User) -> QuerySet[Request]:
    return request_list(user=user).filter(status=RequestStatus.SUBMITTED).order_by("created_at", "id")


def request_candidates(*, customer: Organization) -> QuerySet[Registration]:
    """Every registration of the customer, for the wizard's equipment step (eligible or not:
    the step shows why a chassis cannot be chosen)."""
    return (
        Registration.objects.filter(organization=customer)
        .select_related("equipment__vendor", "equipment__product")
        .order_by("equipment__vendor__name", "equipment__serial_number")
    )


def open_requests_by_equipment(*, equipment_ids: list[int]) -> dict[int, Request]:
    """The open request each of these units is in, if any."""
    items = RequestItem.objects.filter(
        equipment_id__in=equipment_ids, is_open=True, request__status__in=OPEN_STATUSES
    ).select_related("request")
    return {item.equipment_id: item.request for item in items}
