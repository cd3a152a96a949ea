"""The second factor staff sign in with (django-otp): a TOTP authenticator app, or one of their
recovery codes (a static device), asked for wherever STAFF_REQUIRE_2FA is on."""

from django.conf import settings
from django.db import transaction
from django_otp import match_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User

RECOVERY_CODE_COUNT = 10
RECOVERY_DEVICE_NAME = "Recovery codes"
OTP_REQUIRED = "Enter the 6-digit code from your authenticator app, or one of your recovery codes."
OTP_INVALID = "That code is not valid (or was used already). Enter the current code from your app."


def second_factor_required(*, user: User) -> bool:
    return bool(settings.STAFF_REQUIRE_2FA) and (user.is_programme_staff or user.is_staff)


def second_factor_match(*, user: User, code: str) -> Device | None:
    """The user's device the code belongs to (a recovery code is used up), or None. django-otp
    slows repeated wrong codes down per device."""
    return match_token(user, code.strip().replace(" ", "")) if code.strip() else None


@transaction.atomic
def totp_device_create(*, user: User, name: str = "Authenticator app") -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name=name, confirmed=True)


@transaction.atomic
def authenticator_issue(*, user: User, replace: bool = False) -> tuple[TOTPDevice, list[str]]:
    """A staff member's authenticator and a fresh set of recovery codes: how a new member of staff
    (or the first one, before anybody can sign in to the admin) gets a second factor. With
    `replace`, the previous authenticator stops working; without, one already set up is refused."""
    if not (user.is_programme_staff or user.is_staff):
        raise ValueError(f"{user.username} is not staff: only staff sign in with a second factor.")
    existing = TOTPDevice.objects.filter(user=user)
    if existing.exists() and not replace:
        raise ValueError(
            f"{user.username} already has an authenticator; --replace issues a new one "
            "(the old one stops working)."
        )
    existing.delete()
    return totp_device_create(user=user), recovery_codes_issue(user=user)


@transaction.atomic
def recovery_codes_issue(*, user: User) -> list[str]:
    """A fresh set of single-use recovery codes; the previous set stops working."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


# --- a new authenticator, set up by its owner (/account/authenticator/) ------------------------
AUTHENTICATOR_NAME = "Authenticator app"


def second_factor_manageable(*, user: User) -> bool:
    """Who keeps a second factor: the people STAFF_REQUIRE_2FA asks one of."""
    return bool(user.is_programme_staff or user.is_staff)


def authenticator_pending(*, user: User) -> TOTPDevice | None:
    """The new authenticator waiting for its first code, if one was started."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def authenticator_current(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


@transaction.atomic
def authenticator_start(*, user: User) -> TOTPDevice:
    """A new secret for the person's app. Unconfirmed, it signs nobody in (django-otp matches
    confirmed devices only) and the current authenticator keeps working; an earlier one started
    and never confirmed is dropped."""
    if not second_factor_manageable(user=user):
        raise ValueError(f"{user.username} is not staff: only staff sign in with a second factor.")
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


@transaction.atomic
def authenticator_confirm(*, user: User, code: str) -> TOTPDevice | None:
    """Put the new authenticator in force when `code` is its current code, deleting the previous one
    in the same transaction: the person has shown the new app works before the old one stops. A
    wrong code (or none started) changes nothing and answers None; django-otp slows repeated wrong
    codes down on the new device."""
    pending = (
        TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-pk").first()
    )
    if pending is None or not pending.verify_token(code.strip().replace(" ", "")):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=pending.pk).delete()
    pending.confirmed = True
    pending.save(update_fields=["confirmed"])
    return pending
