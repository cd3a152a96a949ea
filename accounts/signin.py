"""Signing in: the lockout django-axes imposes after too many wrong attempts, for pages and the API."""

import math

from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpRequest

from common.errors import ServiceError


def signin_retry_after(*, request: HttpRequest) -> int:
    """Seconds until a locked-out account or address may try again (axes restarts the cool-off at
    each attempt made during a lockout, so this is the whole cool-off)."""
    cool_off = get_cool_off(request)
    return math.ceil(cool_off.total_seconds()) if cool_off else 0


def signin_failure_limit() -> int:
    return int(settings.AXES_FAILURE_LIMIT)


class SigninLockedOut(ServiceError):
    """Too many wrong attempts for this account or from this address: 429, with Retry-After."""

    status_code = 429

    def __init__(self, *, retry_after: int) -> None:
        super().__init__(
            f"Too many failed sign-in attempts. Try again in {max(1, -(-retry_after // 60))} minutes.",
            code="too_many_attempts",
        )
        self.headers = {"Retry-After": str(retry_after)}
