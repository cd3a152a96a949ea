"""Reads of notices: a person's own inbox."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from notices.models import Notice


def notice_inbox(*, user: AbstractBaseUser) -> QuerySet[Notice]:
    return Notice.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(*, user: AbstractBaseUser) -> int:
    return Notice.objects.filter(recipient=user, read_at__isnull=True).count()
