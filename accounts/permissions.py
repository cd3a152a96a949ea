"""API permissions by role. Visibility (which rows) is accounts.visibility; this is which verbs."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.choices import Role


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


# Who may do each programme action, by role; programme staff where `staff` says so. Services
# enforce these (`action_require`), and pages and the API ask the same table to show buttons
# or answer early, so a rule about roles is written once.
ACTIONS: dict[str, tuple[frozenset[str], bool, str]] = {
    "request_open": (
        frozenset({Role.CUSTOMER, Role.PARTNER}),
        False,
        "Requests are opened by a customer or by its partner.",
    ),
    "request_cancel": (
        frozenset({Role.CUSTOMER, Role.PARTNER}),
        False,
        "A request is cancelled by its customer or partner; staff reject instead.",
    ),
    "request_reject": (frozenset(), True, "Only programme staff reject a request."),
    "document_upload": (
        frozenset({Role.CUSTOMER, Role.PARTNER}),
        True,
        "Proofs are uploaded by the customer, its partner or programme staff.",
    ),
    "document_verify": (frozenset(), True, "Only programme staff verify a proof of licence."),
    "quote_issue": (
        frozenset({Role.PARTNER}),
        True,
        "Quotes are issued by the customer's partner or programme staff.",
    ),
    "quote_accept": (
        frozenset({Role.CUSTOMER, Role.PARTNER}),
        False,
        "A quote is accepted by the customer or its partner.",
    ),
}


def action_allowed(user: object, action: str) -> bool:
    roles, staff, _ = ACTIONS[action]
    if not getattr(user, "is_authenticated", False):
        return False
    return getattr(user, "role", "") in roles or (staff and bool(getattr(user, "is_programme_staff", False)))


def action_require(user: object, action: str) -> None:
    """403 (Django's PermissionDenied, which DRF answers too) when the role may not do this."""
    if not action_allowed(user, action):
        raise DjangoPermissionDenied(ACTIONS[action][2])
