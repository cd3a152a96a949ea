"""Reads of notices: a person's own inbox."""

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from notices.models import Notice

if TYPE_CHECKING:
    from accounts.models import User  # the type only: notices sit below accounts


def notice_inbox(*, user: "User") -> QuerySet[Notice]:
    # Subjects read the recipient's role ("Quote issued" reads differently for a customer and a
    # partner): selected with the notice, not fetched once per notice shown.
    return Notice.objects.filter(recipient=user).select_related("recipient").order_by("-created_at", "-id")


UNREAD_COUNTED_UP_TO = 100  # the menu says "99+" beyond 99


def unread_count(*, user: "User") -> int:
    """The person's unread notices, counted up to UNREAD_COUNTED_UP_TO: every page's menu asks,
    and a customer with a programme's worth of unread notices should not pay for reading them all."""
    return Notice.objects.filter(recipient=user, read_at__isnull=True)[:UNREAD_COUNTED_UP_TO].count()
