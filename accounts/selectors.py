"""Reads about organisations and users, always narrowed to what the caller may see."""

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from knox.models import AuthToken

from accounts.choices import Role
from accounts.models import Invitation, Organization, Partnership, User
from accounts.visibility import Scope, restrict

USER_SCOPE = Scope(organization="organization")


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


# --- an organisation's people -----------------------------------------------------------------
def user_reachable(*, user: User) -> QuerySet[User]:
    """The users of the organisations the caller sees (another organisation's user: not found)."""
    return restrict(User.objects.select_related("organization"), user, USER_SCOPE)


def organization_user_list(*, organization: Organization) -> QuerySet[User]:
    """Everyone in the organisation, active people first, then by user name."""
    return User.objects.filter(organization=organization).order_by("-is_active", "username")


def organization_administrators(*, organization_id: int) -> QuerySet[User]:
    """The organisation's active administrators (it always keeps one: accounts.services)."""
    return User.objects.filter(organization_id=organization_id, is_organization_admin=True, is_active=True)


def invitation_pending_list(*, organization: Organization) -> QuerySet[Invitation]:
    return Invitation.objects.pending().filter(organization=organization).select_related("invited_by")


def invitation_reachable(*, user: User) -> QuerySet[Invitation]:
    return Invitation.objects.visible_to(user).select_related("organization")


def organization_directory(*, user: User) -> QuerySet[Organization]:
    """Staff's list of every organisation, with how many active people and administrators each has."""
    return organization_list(user=user).annotate(
        people=Count("users", filter=Q(users__is_active=True)),
        admins=Count("users", filter=Q(users__is_active=True, users__is_organization_admin=True)),
    )


def partnership_list(*, organization: Organization) -> QuerySet[Partnership]:
    """The links that involve the organisation: the customers it serves, or the partners serving it."""
    return (
        Partnership.objects.filter(Q(partner=organization) | Q(customer=organization))
        .select_related("partner", "customer")
        .order_by("partner__name", "customer__name")
    )
