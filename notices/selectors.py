"""Reads of notices: a person's own inbox."""

import functools
from typing import TYPE_CHECKING

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Func, IntegerField, OuterRef, QuerySet

from notices.models import Notice

if TYPE_CHECKING:
    from accounts.models import User  # the type only: notices sit below accounts


def notice_inbox(*, user: "User") -> QuerySet[Notice]:
    # Subjects read the recipient's role ("Quote issued" reads differently for a customer and a
    # partner). Read through the person's own related manager, each notice comes with its
    # recipient set to `user` (Django's known related objects): no join, no query per notice.
    return user.notices.order_by("-created_at", "-id")


UNREAD_COUNTED_UP_TO = 100  # the menu says "99+" beyond 99
# Where the count rides on the person: accounts.backends loads it with them, once per request.
UNREAD_LOADED_AS = "unread_notice_count"


def _unread(recipient: "User | OuterRef") -> QuerySet[Notice]:
    # In the `notice_unread` index's order (recipient, id), not the inbox's: the count reads that
    # index alone and stops at UNREAD_COUNTED_UP_TO. Unordered, the planner may read the whole
    # table instead, hoping to meet 100 unread notices early (and for a reader with 5 it never does).
    return Notice.objects.filter(recipient=recipient, read_at__isnull=True).order_by("id")


@functools.cache  # an expression of the outer row alone; Django copies it into each query
def unread_count_column() -> Func:
    """The unread count as a column of a query of users (counted as `unread_count` does), so the
    person signed in comes with it: every page's menu shows it, and a query of its own costs a
    page more than the count itself."""
    capped = _unread(OuterRef("pk")).values("pk")[:UNREAD_COUNTED_UP_TO]
    return Func(ArraySubquery(capped), function="cardinality", output_field=IntegerField())


def unread_count(*, user: "User") -> int:
    """The person's unread notices, counted up to UNREAD_COUNTED_UP_TO: every page's menu asks,
    and a customer with a programme's worth of unread notices should not pay for reading them all.
    Read from the person when they were loaded with it (and nothing has been marked read since)."""
    loaded = getattr(user, UNREAD_LOADED_AS, None)
    if loaded is not None:
        return int(loaded)
    return _unread(user)[:UNREAD_COUNTED_UP_TO].count()
