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


def unread_count(*, user: "User") -> int:
    return Notice.objects.filter(recipient=user, read_at__isnull=True).count()
