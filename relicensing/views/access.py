"""Who may open which page: the installed base and requests for their owners' roles, staff tools for staff.

Objects outside a person's reach are 404s (the querysets never find them); these checks only
turn a role that has no business on a page into a 403.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.choices import Role
from accounts.permissions import action_require

View = Callable[..., HttpResponse]


def installed_base_page(view: View) -> View:
    """Customers and partners (and staff, who see everything) work with registered equipment."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not (user.role in (Role.CUSTOMER, Role.PARTNER) or user.is_programme_staff):  # type: ignore[union-attr]
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def staff_page(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_programme_staff:  # type: ignore[union-attr]
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def next_url(request: HttpRequest, default: str) -> str:
    """Where a staff action returns to: the page it was posted from, if it is ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return resolve_url(default)


def request_opener_page(view: View) -> View:
    """Requests are opened by a customer, or by a partner for a customer it serves; staff
    reject requests but never open them (as in the API)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        action_require(request.user, "request_open")
        return view(request, *args, **kwargs)

    return wrapper
