"""Reads about organisations and users, always narrowed to what the caller may see."""

from django.db.models import QuerySet
from django.utils import timezone
from knox.models import AuthToken

from accounts.choices import Role
from accounts.models import Organization, User


def organization_list(*, user: User) -> QuerySet[Organization]:
    return Organization.objects.visible_to(user).order_by("name")


def served_customers(*, user: User) -> QuerySet[Organization]:
    """The customer organisations a partner user may act for (none for anyone else)."""
    if user.role != Role.PARTNER:
        return Organization.objects.none()
    return Organization.objects.filter(partners=user.organization_id).order_by("name")


def inspector_list() -> QuerySet[User]:
    return User.objects.filter(role=Role.INSPECTOR, is_active=True).order_by("username")


def api_token_list(*, user: User) -> QuerySet[AuthToken]:
    """The user's own API keys still in force, newest first (expired ones no longer sign in)."""
    return AuthToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("-created")
