"""Creating organisations and users, linking partners to customers, issuing and revoking API keys."""

from django.db import transaction
from knox.models import AuthToken

from accounts.choices import ROLE_ORGANIZATION_KIND, OrganizationKind, Role
from accounts.models import Organization, Partnership, User
from common.errors import DomainError, model_validate
from notices.events import NoticeEvent
from notices.services import notice_create


def organization_create(*, name: str, kind: OrganizationKind) -> Organization:
    organization = Organization(name=name, kind=kind)
    model_validate(organization)
    organization.save()
    return organization


def partnership_create(*, partner: Organization, customer: Organization) -> Partnership:
    partnership, _ = Partnership.objects.get_or_create(partner=partner, customer=customer)
    model_validate(partnership)
    return partnership


def user_create(
    *,
    username: str,
    password: str,
    organization: Organization,
    role: Role,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
) -> User:
    """A user of one organisation, in the role that organisation's kind allows."""
    if organization.kind != ROLE_ORGANIZATION_KIND[role]:
        raise DomainError(
            f"A {role.label.lower()} cannot belong to {organization.name}, a "
            f"{OrganizationKind(organization.kind).label.lower()} organisation.",
            code="role_organization_mismatch",
        )
    user = User(
        username=username,
        organization=organization,
        role=role,
        email=email,
        first_name=first_name,
        last_name=last_name,
        # Programme staff run the catalog and price book in the Django admin.
        is_staff=role == Role.STAFF,
    )
    user.set_password(password)
    model_validate(user)
    user.save()
    return user


@transaction.atomic
def api_token_issue(*, user: User) -> tuple[AuthToken, str]:
    """A new API key for the user (stored hashed: the key itself is returned once, here), each one
    announced by email, so a stolen password used for a key shows."""
    token, key = AuthToken.objects.create(user=user)
    notice_create(
        event=NoticeEvent.API_TOKEN_ISSUED,
        occurrence=f"api_token_issued:{user.pk}:{token.token_key}",
        target=user,
        recipients=[user],
        context={"username": user.username},
        link="/account/api-keys/",
    )
    return token, key


def api_token_revoke(*, user: User, token_key: str) -> int:
    """End one of the user's own API keys, named by its public prefix; how many ended (0 or 1)."""
    deleted, _ = AuthToken.objects.filter(user=user, token_key=token_key).delete()
    return deleted


def api_tokens_revoke_all(*, user: User) -> int:
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted
