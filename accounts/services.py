"""Creating organisations and users, linking partners to customers, issuing and revoking API keys,
and an organisation's people: invitations, administrators, deactivation."""

import datetime as dt

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from knox.models import AuthToken

from accounts import selectors
from accounts.choices import ROLE_ORGANIZATION_KIND, OrganizationKind, Role
from accounts.models import Invitation, Organization, Partnership, User
from accounts.permissions import people_manage_require
from common.errors import Conflict, DomainError, InvalidInput, NotPermitted, ServiceError, model_validate
from common.formats import moment
from notices.events import NoticeEvent
from notices.services import notice_create

INVITATION_VALID = dt.timedelta(days=7)
# Invitations one person sends in an hour: a team onboarding sends a few, a stolen administrator
# account must not turn the programme's mail server into a spam relay.
INVITATIONS_PER_HOUR = 30
# The role an invitation gives, by the kind of organisation; the operator's people are either.
INVITATION_ROLES = {
    OrganizationKind.CUSTOMER: (Role.CUSTOMER,),
    OrganizationKind.PARTNER: (Role.PARTNER,),
    OrganizationKind.OPERATOR: (Role.INSPECTOR, Role.STAFF),
}


def organization_create(*, name: str, kind: OrganizationKind) -> Organization:
    organization = Organization(name=name, kind=kind)
    model_validate(organization)
    organization.save()
    return organization


def partnership_create(*, partner: Organization, customer: Organization) -> Partnership:
    """The partner serves the customer from now on (already serving: the same link). Checked before
    it is written, so a partner never serves another partner, even for a moment."""
    existing = Partnership.objects.filter(partner=partner, customer=customer).first()
    if existing is not None:
        return existing
    partnership = Partnership(partner=partner, customer=customer)
    model_validate(partnership)
    try:
        with transaction.atomic():
            partnership.save()
    except IntegrityError:  # the same link written at the same moment by someone else
        return Partnership.objects.get(partner=partner, customer=customer)
    return partnership


def partnership_remove(*, partnership: Partnership) -> None:
    """The partner stops serving the customer: it no longer sees or acts on the customer's data."""
    Partnership.objects.filter(pk=partnership.pk).delete()


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


def api_keys_expired_delete(*, now: dt.datetime | None = None) -> int:
    """Hourly: delete every API key past its expiry (a call with one is refused, and reads no other
    key of its user: accounts.authentication). Safe to overlap: one DELETE."""
    deleted, _ = AuthToken.objects.filter(expiry__lt=now or timezone.now()).delete()
    return deleted


def api_token_revoke(*, user: User, token_key: str) -> int:
    """End one of the user's own API keys, named by its public prefix; how many ended (0 or 1)."""
    deleted, _ = AuthToken.objects.filter(user=user, token_key=token_key).delete()
    return deleted


def api_tokens_revoke_all(*, user: User) -> int:
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted


# --- an organisation's people -----------------------------------------------------------------
@transaction.atomic
def invitation_create(
    *, actor: User, organization: Organization, email: str, role: Role | str | None = None
) -> Invitation:
    """Ask `email` to join the organisation; the email with its link goes through the outbox.

    A second invitation to the same address replaces the first (its link stops working), so the
    newest email is the one that counts."""
    people_manage_require(actor, organization)
    _invitation_rate_require(actor=actor)
    email = email.strip().lower()
    role = _invitation_role(actor=actor, organization=organization, role=role)
    if User.objects.filter(organization=organization, email__iexact=email, is_active=True).exists():
        raise DomainError(f"{email} already has an account in {organization.name}.", code="already_member")
    now = timezone.now()
    Invitation.objects.pending().filter(organization=organization, email=email).update(revoked_at=now)
    invitation = Invitation(
        organization=organization, email=email, role=role, invited_by=actor, expires_at=now + INVITATION_VALID
    )
    model_validate(invitation)
    invitation.save()
    notice_create(
        event=NoticeEvent.ORGANIZATION_INVITATION,
        occurrence=f"organization_invitation:{invitation.pk}",
        target=invitation,
        recipients=[],
        addresses=[email],
        context={
            "organization": organization.name,
            "invited_by": actor.display_name,
            "role": Role(role).label,
            "expires": moment(invitation.expires_at),
        },
    )
    return invitation


class TooManyInvitations(ServiceError):
    """429 with Retry-After: the inviter sent INVITATIONS_PER_HOUR in the last hour."""

    status_code = 429

    def __init__(self) -> None:
        super().__init__(
            f"You have sent {INVITATIONS_PER_HOUR} invitations in the last hour. Try again later.",
            code="too_many_invitations",
        )
        self.headers = {"Retry-After": "3600"}


def _invitation_rate_require(*, actor: User) -> None:
    since = timezone.now() - dt.timedelta(hours=1)
    if Invitation.objects.filter(invited_by=actor, created_at__gte=since).count() >= INVITATIONS_PER_HOUR:
        raise TooManyInvitations()


def _invitation_role(*, actor: User, organization: Organization, role: Role | str | None) -> Role:
    allowed = INVITATION_ROLES[OrganizationKind(organization.kind)]
    if not role:
        role = allowed[0]
    if role not in allowed:
        raise InvalidInput(
            {"role": [f"People join {organization.name} as {' or '.join(r.label.lower() for r in allowed)}."]}
        )
    if role == Role.STAFF and not actor.is_programme_staff:
        raise NotPermitted("Only programme staff invite programme staff.")
    return Role(role)


def invitation_revoke(*, actor: User, invitation: Invitation) -> bool:
    """The link stops working; False when it had already been used or revoked."""
    people_manage_require(actor, invitation.organization)
    return bool(
        Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )


INVITATION_ENDED = {
    "accepted": (
        "This invitation has already been used. Sign in with the account it made.",
        "invitation_used",
    ),
    "revoked": ("This invitation was withdrawn. Ask your administrator for a new one.", "invitation_revoked"),
    "expired": ("This invitation has expired. Ask your administrator for a new one.", "invitation_expired"),
}


def invitation_usable_require(*, invitation: Invitation) -> None:
    """A DomainError saying why, unless the invitation can still be accepted."""
    if invitation.state in INVITATION_ENDED:
        detail, code = INVITATION_ENDED[invitation.state]
        raise Conflict(detail, code=code)


@transaction.atomic
def invitation_accept(
    *, invitation: Invitation, username: str, password: str, first_name: str = "", last_name: str = ""
) -> User:
    """The invitee's account, in the organisation and role the invitation names.

    Single use by compare-and-set: the claim succeeds only while `accepted_at` is empty, so of two
    accepts at once the second finds it taken and its account is rolled back with it."""
    invitation_usable_require(invitation=invitation)
    username = username.strip()
    candidate = User(username=username, email=invitation.email, first_name=first_name, last_name=last_name)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise InvalidInput({"password": exc.messages}) from exc
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidInput({"username": ["That user name is taken; choose another."]})
    try:
        with transaction.atomic():
            user = user_create(
                username=username,
                password=password,
                organization=invitation.organization,
                role=Role(invitation.role),
                email=invitation.email,
                first_name=first_name,
                last_name=last_name,
            )
    except IntegrityError as exc:  # the same name chosen at the same moment by someone else
        raise InvalidInput({"username": ["That user name is taken; choose another."]}) from exc
    if not _invitation_claim(invitation_id=invitation.pk, user=user):
        detail, code = INVITATION_ENDED["accepted"]
        raise Conflict(detail, code=code)
    admins = selectors.organization_administrators(organization_id=invitation.organization_id)
    if not admins.exclude(pk=user.pk).exists():
        # The first person to join an organisation without an administrator (a new one staff
        # created) becomes it, so every organisation can manage its own people.
        User.objects.filter(pk=user.pk).update(is_organization_admin=True)
        user.is_organization_admin = True
    return user


def _invitation_claim(*, invitation_id: int, user: User) -> bool:
    # The guard: only a row still unaccepted, unrevoked and unexpired is claimed. A second claim
    # waits on the first's row lock, then finds accepted_at set and claims nothing.
    return bool(
        Invitation.objects.filter(
            pk=invitation_id, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).update(accepted_at=timezone.now(), accepted_user=user)
    )


@transaction.atomic
def user_deactivate(*, actor: User, user: User) -> User:
    """The person can no longer sign in; their sessions end on their next request (Django signs
    out an inactive user) and their API keys end now. An organisation keeps an active
    administrator: the last one is not deactivated."""
    organization = _organization_lock(user=user)
    people_manage_require(_fresh(actor), organization)
    if user.pk == actor.pk:
        raise DomainError(
            "You cannot deactivate yourself. Ask another administrator or programme staff.",
            code="cannot_deactivate_self",
        )
    user = User.objects.get(pk=user.pk)
    if not user.is_active:
        return user
    if user.is_organization_admin:
        _another_admin_require(organization=organization, leaving=user, doing="deactivated")
    User.objects.filter(pk=user.pk).update(is_active=False, is_organization_admin=False)
    AuthToken.objects.filter(user=user).delete()
    user.refresh_from_db()
    return user


@transaction.atomic
def user_reactivate(*, actor: User, user: User) -> User:
    """Undo a deactivation: the person signs in again with their password (the API keys that
    ended stay ended, and the administrator flag stays off: name them again if they should have
    it)."""
    # No lock: bringing a person back cannot break the last-administrator rule.
    _organization_require(user)
    people_manage_require(actor, user.organization)
    User.objects.filter(pk=user.pk, is_active=False).update(is_active=True)
    return User.objects.get(pk=user.pk)


@transaction.atomic
def organization_admin_set(*, actor: User, user: User, is_admin: bool) -> User:
    """Name `user` an administrator of their organisation, or take the flag back (not from the
    last active administrator: hand it to someone first)."""
    organization = _organization_lock(user=user)
    people_manage_require(_fresh(actor), organization)
    user = User.objects.get(pk=user.pk)
    if is_admin and not user.is_active:
        raise DomainError(
            f"{user.display_name} is deactivated and cannot be an administrator.", code="user_inactive"
        )
    if not is_admin and user.is_organization_admin:
        _another_admin_require(organization=organization, leaving=user, doing="removed as administrator")
    User.objects.filter(pk=user.pk).update(is_organization_admin=is_admin)
    user.is_organization_admin = is_admin
    return user


def _organization_lock(*, user: User) -> Organization:
    # The guard for the last-administrator rule: every change to who administers an organisation
    # holds its row, so two administrators removing each other at once are taken one after the
    # other and the second sees the first's change.
    return Organization.objects.select_for_update().get(pk=_organization_require(user))


def _organization_require(user: User) -> int:
    if user.organization_id is None:
        raise DomainError(
            f"{user.username} belongs to no organisation; change that account in the admin.",
            code="no_organization",
        )
    return user.organization_id


def _fresh(actor: User) -> User:
    # Read again under the organisation's lock: an administrator removed a moment ago acts no more.
    return User.objects.get(pk=actor.pk)


def _another_admin_require(*, organization: Organization, leaving: User, doing: str) -> None:
    others = selectors.organization_administrators(organization_id=organization.pk)
    if not others.exclude(pk=leaving.pk).exists():
        raise DomainError(
            f"{leaving.display_name} is the last administrator of {organization.name} and cannot be "
            f"{doing}. Make someone else an administrator first.",
            code="last_admin",
        )
