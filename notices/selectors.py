"""Reads of notices: a person's own inbox."""

from django.db.models import QuerySet

from accounts.models import User
from notices.models import Notice


def notice_inbox(*, user: User) -> QuerySet[Notice]:
    return Notice.objects.filter(recipient=user).order_by("-created_at", "-id")
