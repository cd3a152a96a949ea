"""Who may do what, and to which object: one table. Services enforce it (`action_require`); pages
and the API ask the same table (`action_allowed`) to show a button or answer early. Which rows a
person sees at all is accounts.visibility; this is which verbs, on what.

A rule lists relations between the person and the object acted on:
- OWNER: a customer user of the organisation the object belongs to;
- PARTNER: a partner user whose organisation serves that customer;
- INSPECTOR: the inspector assigned to the object;
- STAFF: programme staff.
An object reaches its organisation and its inspector through its queryset's `Scope`, the same
paths visibility uses. Asked without an object, the question is whether the person's role could
ever do it (for a button on a list page); services always pass the object.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db import models
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.choices import Role
from accounts.models import Partnership
from accounts.visibility import Scope, scope_of
from common.errors import NotPermitted


class Relation(StrEnum):
    OWNER = "owner"
    PARTNER = "partner"
    INSPECTOR = "inspector"
    STAFF = "staff"


@dataclass(frozen=True)
class Rule:
    who: frozenset[Relation]
    refusal: str


def _rule(*who: Relation, refusal: str) -> Rule:
    return Rule(frozenset(who), refusal)


OWNER, PARTNER, INSPECTOR, STAFF = Relation.OWNER, Relation.PARTNER, Relation.INSPECTOR, Relation.STAFF

ACTIONS: dict[str, Rule] = {
    # The object is the customer organisation the equipment or request is for.
    "registration_create": _rule(
        OWNER,
        PARTNER,
        STAFF,
        refusal="Equipment is registered by its owner, the owner's partner or programme staff.",
    ),
    "request_open": _rule(OWNER, PARTNER, refusal="Requests are opened by a customer or by its partner."),
    # The object is the request.
    "request_cancel": _rule(
        OWNER, PARTNER, refusal="A request is cancelled by its customer or partner; staff reject instead."
    ),
    "request_reject": _rule(STAFF, refusal="Only programme staff reject a request."),
    "document_upload": _rule(
        OWNER, PARTNER, STAFF, refusal="Proofs are uploaded by the customer, its partner or programme staff."
    ),
    "document_verify": _rule(STAFF, refusal="Only programme staff verify a proof of licence."),
    "quote_issue": _rule(
        PARTNER, STAFF, refusal="Quotes are issued by the customer's partner or programme staff."
    ),
    # The object is the quote.
    "quote_accept": _rule(OWNER, PARTNER, refusal="A quote is accepted by the customer or its partner."),
    "purchase_order_receive": _rule(
        OWNER, PARTNER, refusal="A purchase order is sent by the customer or its partner."
    ),
    "request_approve": _rule(STAFF, refusal="Only programme staff approve a reinstatement."),
    # The object is the contract (issue) or its renewal quote (order, approve).
    "renewal_quote_issue": _rule(
        PARTNER, STAFF, refusal="Renewals are quoted by the owner's partner or programme staff."
    ),
    "renewal_quote_order": _rule(OWNER, PARTNER, refusal="A renewal is ordered by the owner or its partner."),
    "renewal_quote_approve": _rule(STAFF, refusal="Only programme staff approve a renewal."),
    # The object is the contract.
    "contract_site_correct": _rule(
        OWNER, PARTNER, refusal="The install site is corrected by the contract's owner or its partner."
    ),
    "contract_rma_swap": _rule(STAFF, refusal="Only programme staff record an RMA swap on a contract."),
    # The object is the registration of a donated unit.
    "equipment_take_back": _rule(
        OWNER, refusal="A donated unit is returned for take-back by the customer that registered it."
    ),
    # The object is the inspection.
    "inspection_schedule": _rule(STAFF, refusal="Only programme staff book inspections."),
    "inspection_reschedule": _rule(
        OWNER, PARTNER, refusal="A visit is moved by the customer or its partner; staff book it again."
    ),
    "inspection_results_record": _rule(
        INSPECTOR, STAFF, refusal="Results are recorded by the assigned inspector or programme staff."
    ),
    "inspection_photo_upload": _rule(
        INSPECTOR, STAFF, refusal="Photos are added by the assigned inspector or programme staff."
    ),
    "inspection_result_correct": _rule(STAFF, refusal="Only programme staff correct inspection results."),
    # Programme staff's tools: no owner, no partner.
    "checklist_publish": _rule(STAFF, refusal="Only programme staff publish checklists."),
    "hold_place": _rule(STAFF, refusal="Only programme staff place compliance holds."),
    "hold_release": _rule(STAFF, refusal="Only programme staff release compliance holds."),
    "equipment_flag": _rule(STAFF, refusal="Only programme staff set or clear flags on equipment."),
    "ownership_settle": _rule(STAFF, refusal="Only programme staff settle ownership disputes."),
    "catalog_write": _rule(STAFF, refusal="Only programme staff change the catalog."),
    "price_book_write": _rule(STAFF, refusal="Only programme staff change the price book."),
}


def action_allowed(user: Any, action: str, obj: models.Model | None = None) -> bool:
    rule = ACTIONS[action]
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return any(_related(user, relation, obj) for relation in rule.who)


def action_require(user: Any, action: str, obj: models.Model | None = None) -> None:
    """403 `permission_denied` (NotPermitted) unless the person may do this to this object."""
    if not action_allowed(user, action, obj):
        raise NotPermitted(ACTIONS[action].refusal)


def _related(user: Any, relation: Relation, obj: models.Model | None) -> bool:
    if relation == STAFF:
        return bool(user.is_programme_staff)
    if relation == INSPECTOR:
        return user.role == Role.INSPECTOR and (obj is None or _follow(obj, _scope(obj).inspector) == user.pk)
    if relation == OWNER:
        return user.role == Role.CUSTOMER and (
            obj is None or _follow(obj, _scope(obj).organization) == user.organization_id
        )
    if relation == PARTNER:
        if user.role != Role.PARTNER:
            return False
        return (
            obj is None
            or Partnership.objects.filter(
                partner_id=user.organization_id, customer_id=_follow(obj, _scope(obj).organization)
            ).exists()
        )
    raise ValueError(relation)


def _scope(obj: models.Model) -> Scope:
    return scope_of(type(obj))


def _follow(obj: models.Model, path: str | None) -> Any:
    """The primary key at the end of an ORM path ("request__customer"), read from the object."""
    if not path:
        return None
    *hops, last = path.split("__")
    for hop in hops:
        obj = getattr(obj, hop)
        if obj is None:
            return None
    if last == "pk":
        return obj.pk
    return getattr(obj, f"{last}_id")


def people_manageable(user: Any, organization: Any) -> bool:
    """Whether the person may invite, deactivate and name administrators in `organization`: one of
    its active administrators, or programme staff (for any organisation). A partner's administrator
    manages its own organisation's people, never its customers'."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_programme_staff:
        return True
    return bool(user.is_organization_admin) and user.organization_id == organization.pk


def people_manage_require(user: Any, organization: Any) -> None:
    """403 `permission_denied` unless `people_manageable`."""
    if not people_manageable(user, organization):
        if user.organization_id == organization.pk:
            raise NotPermitted("Only your organisation's administrators manage its people.")
        raise NotPermitted(
            "An organisation's people are managed by its own administrators or programme staff."
        )


# --- early answers in the API (the services decide; these only answer before any work) ---
class IsProgrammeStaff(BasePermission):
    message = "Only programme staff may do this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_programme_staff)


class StaffWritesSignedInReads(BasePermission):
    """The catalog and price book: everyone signed in reads, programme staff write."""

    message = "Only programme staff may change the catalog and price book."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or request.user.is_programme_staff
