"""Who may see what: the one function that narrows every queryset to a user's reach.

Customers see their own organisation's rows; partners also those of the customers they
serve; inspectors also the work assigned to them; programme staff see everything. Every
API view and every page starts from `Model.objects.visible_to(user)`, so an object outside
the caller's reach is simply not found (404), never "forbidden".
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self, TypeVar

from django.db import models
from django.db.models import Q

from accounts.choices import Role

if TYPE_CHECKING:
    from accounts.models import User


@dataclass(frozen=True)
class Scope:
    """How a model's rows attach to the people who may see them (ORM lookups, or None)."""

    organization: str | None = None  # to the owning Organization ("pk" when the row is one)
    inspector: str | None = None  # to the User assigned to inspect it
    user: str | None = None  # to the single User a personal row belongs to


QS = TypeVar("QS", bound=models.QuerySet[Any])


def restrict(queryset: QS, user: "User", scope: Scope) -> QS:
    """The rows of `queryset` the user may see. The reach is a `pk IN (subquery)`, so a scope that
    runs through a reverse relation (several inspections of one request, say) never repeats a row."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_programme_staff:
        return queryset
    reach = Q(pk__in=[])
    if scope.user:
        reach |= Q(**{scope.user: user.pk})
    if scope.organization and user.organization_id:
        reach |= _organization_reach(scope.organization, user)
    if scope.inspector and user.role == Role.INSPECTOR:
        reach |= Q(**{scope.inspector: user.pk})
    return queryset.filter(pk__in=queryset.model._base_manager.filter(reach).values("pk"))


def _organization_reach(lookup: str, user: "User") -> Q:
    from accounts.models import Partnership

    reach = Q(**{lookup: user.organization_id})
    if user.role == Role.PARTNER:
        served = Partnership.objects.filter(partner_id=user.organization_id).values("customer_id")
        reach |= Q(**{f"{lookup}__in": served})
    return reach


def scope_of(model: type[models.Model]) -> Scope:
    """The Scope a model's default queryset declares (an empty one when it declares none)."""
    queryset_class = getattr(model._default_manager, "_queryset_class", None)
    return getattr(queryset_class, "scope", Scope())


class VisibleQuerySet(models.QuerySet):
    scope: Scope = Scope()

    def visible_to(self, user: "User") -> Self:
        return restrict(self, user, self.scope)
