"""Reads of the catalog and the installed base, narrowed to what the caller may see."""

from collections.abc import Iterable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.core.cache import caches
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.http import Http404

from accounts.choices import OrganizationKind, Role
from accounts.models import Organization, User
from relicensing.choices import OPEN_STATUSES, RegistrationStatus, RequestStatus
from relicensing.models import (
    ComplianceHold,
    Equipment,
    EquipmentEvent,
    Product,
    Registration,
    RegistrationTally,
    Request,
    RequestItem,
    Vendor,
)
from relicensing.models.equipment import flags_set


def vendor_list() -> QuerySet[Vendor]:
    return Vendor.objects.order_by("name")


CATALOGUE_KEPT_SECONDS = 60


@dataclass(frozen=True)
class Catalogue:
    vendors: tuple[Vendor, ...]  # by name
    models: tuple[str, ...]  # every product model, once, in order


def catalogue_kept() -> Catalogue:
    """The vendors and product models the installed base's filters and the dashboards name, read
    at most once a minute per process (the `local` cache): staff change them rarely, and every view
    of those pages read them again. A new product reaches the filters within the minute."""
    kept = caches["local"].get("catalogue")
    if kept is None:
        models = Product.objects.order_by("model").values_list("model", flat=True).distinct()
        kept = Catalogue(vendors=tuple(vendor_list()), models=tuple(models))
        caches["local"].set("catalogue", kept, CATALOGUE_KEPT_SECONDS)
    return kept


def product_list() -> QuerySet[Product]:
    return Product.objects.select_related("vendor").order_by("vendor__name", "model")


def registration_list(*, user: User) -> QuerySet[Registration]:
    return (
        Registration.objects.visible_to(user)
        .select_related("equipment__vendor", "equipment__product", "organization")
        .order_by("-created_at", "-id")
    )


# What a line of the installed base shows (an API row, a line of the page), and nothing more,
# read as a plain row (common.paging.keyset_page's `columns`): a page of 50 builds no registration,
# unit, vendor or product object, and reads no column it does not print.
REGISTRATION_ROW = (
    "pk",
    "created_at",
    "organization_id",
    "acquisition_channel",
    "acquired_from",
    "acquired_on",
    "condition",
    "status",
    "eligible",
    "path",
    "reasons",
    "equipment__serial_number",
    "equipment__reported_model",
    "equipment__lost_or_stolen",
    "equipment__counterfeit",
    "equipment__permanently_damaged",
    "equipment__damaged",
    "equipment__vendor__slug",
    "equipment__vendor__name",
    "equipment__product__model",
)
# A partner's or staff's page names each line's customer too.
REGISTRATION_ROW_WITH_CUSTOMER = (*REGISTRATION_ROW, "organization__name")


def registration_rows(*, user: User) -> QuerySet[Registration]:
    """The installed-base list as a page of it is read: the user's registrations, newest first,
    to be read as REGISTRATION_ROW (or REGISTRATION_ROW_WITH_CUSTOMER) and counted as they are."""
    return Registration.objects.visible_to(user).order_by("-created_at", "-id")


def registration_row(registration: Registration) -> SimpleNamespace:
    """One registration (with its unit, vendor and product) as a REGISTRATION_ROW, so one unit's
    answer is written by what writes a page of them."""
    values: dict[str, Any] = {}
    for column in REGISTRATION_ROW:
        value: Any = registration
        for step in column.split("__"):
            value = getattr(value, step) if value is not None else None
        values[column] = value
    return SimpleNamespace(**values)


def row_flags(row: Any) -> frozenset[str]:
    """A REGISTRATION_ROW's unit flags, as Equipment.flags names them."""
    return flags_set(lambda flag: getattr(row, f"equipment__{flag}"))


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


def registration_counts(*, user: User) -> dict[str, int]:
    """Registrations in the user's reach: all of them, those that can enter the programme, the rest.
    Summed from the tallies the database keeps (RegistrationTally), never counted row by row."""
    sums = dict(
        RegistrationTally.objects.visible_to(user).order_by().values_list("eligible").annotate(n=Sum("n"))
    )
    eligible, attention = sums.get(True) or 0, sums.get(False) or 0
    return {"total": eligible + attention, "eligible_count": eligible, "attention": attention}


# --- relicensing requests ---------------------------------------------------------
def request_list(*, user: User) -> QuerySet[Request]:
    """Requests in the user's reach, with what a list row shows, in a fixed number of queries."""
    # The count is a subquery per row shown, not a GROUP BY over every request in reach.
    chassis = RequestItem.objects.filter(request=OuterRef("pk")).order_by().values("request")
    return (
        Request.objects.visible_to(user)
        .select_related("customer", "vendor")
        .annotate(chassis_count=Subquery(chassis.annotate(n=Count("pk")).values("n")))
        .order_by("-created_at", "-id")
    )


def request_get(*, user: User, pk: int) -> Request:
    try:
        return Request.objects.visible_to(user).select_related("customer", "vendor", "created_by").get(pk=pk)
    except (Request.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def request_status_counts(*, user: User, statuses: Iterable[str] | None = None) -> dict[str, int]:
    """How many requests in the user's reach stand in each status (one aggregate query)."""
    wanted = list(statuses if statuses is not None else RequestStatus.values)
    counts = dict(
        Request.objects.visible_to(user)
        .filter(status__in=wanted)
        .order_by()
        .values_list("status")
        # count(*), not count(id): read off the (customer, status) index alone, no row visited.
        .annotate(n=Count("*"))
    )
    return {str(status): counts.get(status, 0) for status in wanted}


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


def open_requests_for_unit(*, equipment: Equipment, other_than: Organization) -> list[Request]:
    """Other organisations' open requests holding this unit (what settling ownership rejects)."""
    return list(
        Request.objects.filter(items__equipment=equipment, items__is_open=True)
        .exclude(customer=other_than)
        .select_related("customer")
        .order_by("pk")
    )


def open_requests_by_equipment(*, equipment_ids: list[int]) -> dict[int, Request]:
    """The open request each of these units is in, if any."""
    items = RequestItem.objects.filter(
        equipment_id__in=equipment_ids, is_open=True, request__status__in=OPEN_STATUSES
    ).select_related("request")
    return {item.equipment_id: item.request for item in items}
