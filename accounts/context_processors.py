"""Template context: the signed-in person."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject, empty


def signed_in(request: HttpRequest) -> dict[str, Any]:
    """`user` as the object the request's user stands for, in place of the one django.contrib.auth's
    `auth` processor gives (kept before this one: the admin requires it). That one is the request's
    own: a lazy stand-in (AuthenticationMiddleware's) wrapped in another (django-otp's), so every
    attribute a page reads of it goes through two proxies.

    Each stand-in is resolved in turn, so each does its work (the user loaded; django-otp's
    `is_verified` set on it), whatever wraps what; a request whose user is already an object (a
    view signed someone in or out) keeps it."""
    if not hasattr(request, "user"):
        return {}
    user: Any = request.user
    # Django has no public way to unwrap a SimpleLazyObject; `_setup()` and `_wrapped` are how
    # LazyObject itself resolves one.
    while isinstance(user, SimpleLazyObject):
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
    return {"user": user}
