"""Who may open the inspection pages, and finding one visit within a person's reach."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from accounts.choices import Role
from accounts.models import User
from inspections.models import Inspection
from inspections.selectors import inspection_detail

View = Callable[..., HttpResponseBase]
READERS: tuple[str, ...] = (Role.CUSTOMER, Role.PARTNER, Role.INSPECTOR)


def inspection_page(view: View) -> View:
    """Customers and partners (their own visits), inspectors (those assigned to them) and staff.
    Which visits each sees is the queryset's business: another's visit is a 404."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not (user.role in READERS or user.is_programme_staff):  # type: ignore[union-attr]
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def visit_get(user: User, pk: int) -> Inspection:
    try:
        return inspection_detail(user=user, pk=pk)
    except Inspection.DoesNotExist as exc:
        raise Http404 from exc
