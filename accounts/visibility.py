"""Who may see what: the one function that narrows every queryset to a user's reach.

Customers see their own organisation's rows; partners also those of the customers they
serve; inspectors also the work assigned to them; programme staff see everything. Every
API view and every page starts from `Model.objects.visible_to(user)`, so an object outside
the caller's reach is simply not found (404), never "forbidden".
"""

import functools
import operator
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
    """The rows of `queryset` the user may see.

    The reach is a plain filter on the row's own columns (`organization_id IN (1, 7, 9)`), which
    the planner answers from an index at any table size; only a scope that runs through a reverse
    relation (where a join could repeat a row) is wrapped as `pk IN (subquery)`."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_programme_staff:
        return queryset
    ways = []
    if scope.user:
        ways.append(Q(**{scope.user: user.pk}))
    if scope.organization and user.organization_id:
        ways.append(Q(**{f"{scope.organization}__in": organizations_reached(user)}))
    if scope.inspector and user.role == Role.INSPECTOR:
        ways.append(Q(**{scope.inspector: user.pk}))
    if not ways:
        return queryset.none()
    # The ways in, OR-ed; no empty seed (`pk IN ()`) to compile and drop on every list.
    reach = functools.reduce(operator.or_, ways)
    lookups = [lookup for lookup in (scope.user, scope.organization, scope.inspector) if lookup]
    if all(_is_forward(queryset.model, lookup) for lookup in lookups):
        return queryset.filter(reach)
    return queryset.filter(pk__in=queryset.model._base_manager.filter(reach).values("pk"))


def organizations_reached(user: "User") -> list[int]:
    """The user's organisation and, for a partner, the customers it serves, as a list of ids the
    planner can match against an index (a partner's subquery here made it scan every row).

    A partner's customers are read once per user object and kept on it, as Django keeps a user's
    permissions (`_perm_cache`): a list asks twice (its reach, and the customers it pages through
    one by one), and each request loads its user afresh."""
    if not user.organization_id:
        return []
    reached = [user.organization_id]
    if user.role == Role.PARTNER:
        from accounts.models import Partnership

        served = getattr(user, "_served_cache", None)
        if served is None:
            served = list(
                Partnership.objects.filter(partner_id=user.organization_id).values_list(
                    "customer_id", flat=True
                )
            )
            user._served_cache = served  # type: ignore[attr-defined]
        reached += served
    return reached


def reach_partition(user: "User", column: str | None) -> tuple[str, list[int]] | None:
    """For a list of customers' rows (registrations, requests) whose customer is in `column`: the
    customers to read a page from one by one (common.paging.keyset_page), when the user reaches
    several of them but not all. A partner's own organisation owns no such row, so it is left out:
    a partner serving one customer reads that customer's index alone."""
    if column is None or not user.is_authenticated or user.is_programme_staff:
        return None
    reached = organizations_reached(user)
    if user.role == Role.PARTNER:
        reached = [pk for pk in reached if pk != user.organization_id]
    return column, reached


def _is_forward(model: type[models.Model], lookup: str) -> bool:
    """Whether `lookup` runs only through forward foreign keys (each row joins at most one row)."""
    for part in lookup.split("__"):
        if part == "pk":
            return True
        field = model._meta.get_field(part)
        if field.one_to_many or field.many_to_many:
            return False
        if not field.is_relation:
            return True
        model = field.related_model  # type: ignore[assignment]
    return True


def scope_of(model: type[models.Model]) -> Scope:
    """The Scope a model's default queryset declares (an empty one when it declares none)."""
    queryset_class = getattr(model._default_manager, "_queryset_class", None)
    return getattr(queryset_class, "scope", Scope())


class VisibleQuerySet(models.QuerySet):
    scope: Scope = Scope()

    def visible_to(self, user: "User") -> Self:
        return restrict(self, user, self.scope)
