"""Template context: the signed-in person."""

from typing import Any

from django.contrib.auth.middleware import get_user
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def signed_in(request: HttpRequest) -> dict[str, Any]:
    """`user` as the loaded object itself, in place of the one django.contrib.auth's `auth`
    processor gives (kept before this one: the admin requires it). That one is the request's: a
    lazy stand-in (AuthenticationMiddleware's) wrapped in another (django-otp's), so every
    attribute a page reads of it goes through two proxies.

    Reading one attribute lets both stand-ins finish their work (the user loaded and kept for the
    request by the auth middleware; django-otp's `is_verified` set on it). A view that signed
    someone in or out in this request replaced the stand-in with the person itself, who is used
    as is."""
    user = getattr(request, "user", None)
    if isinstance(user, SimpleLazyObject):
        user.is_authenticated  # noqa: B018 - resolves both stand-ins
        user = get_user(request)
    return {} if user is None else {"user": user}
