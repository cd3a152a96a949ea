"""API permissions by role. Visibility (which rows) is accounts.visibility; this is which verbs."""

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


def has_role(user: object, *roles: Role) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "role", "") in roles)
