"""Writing notices into the outbox and delivering them by email."""

import logging
import smtplib
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction
from django.utils import timezone

from accounts.models import User
from notices.models import Notice

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10


def notice_create(
    *,
    event: str,
    target: models.Model,
    recipients: Iterable[User],
    context: dict[str, Any] | None = None,
    link: str = "",
) -> list[int]:
    """Write one notice per recipient, in the caller's transaction; send them after commit.

    A recipient who already has this notice for this object gets no second one.
    """
    target_type = ContentType.objects.get_for_model(target)
    recipients = {user.pk: user for user in recipients}.values()
    Notice.objects.bulk_create(
        [
            Notice(
                event=event,
                target_type=target_type,
                target_id=target.pk,
                recipient=user,
                to_email=user.email,
                context=context or {},
                link=link,
            )
            for user in recipients
        ],
        ignore_conflicts=True,
    )
    ids = list(
        Notice.objects.unsent()
        .filter(event=event, target_type=target_type, target_id=target.pk)
        .filter(recipient__in=[user.pk for user in recipients])
        .values_list("pk", flat=True)
    )
    transaction.on_commit(lambda: notices_dispatch(ids))
    return ids


def notices_dispatch(notice_ids: Iterable[int]) -> None:
    """Hand notices to the worker. If the broker is down the rows wait in the outbox and the
    periodic sweep (`notices_resend_unsent`) sends them once it is back."""
    from notices.tasks import notice_send

    for notice_id in notice_ids:
        try:
            notice_send.delay(notice_id)
        except Exception:  # kombu raises several types when Redis is unreachable
            logger.warning("Broker unreachable; notice %s stays in the outbox", notice_id)
            return


def notice_deliver(*, notice_id: int) -> bool:
    """Email one notice unless it was already sent; True when this call sent it.

    The row lock (skipping a row another worker holds) makes two runs of the same task send
    one email.
    """
    with transaction.atomic():
        notice = (
            Notice.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=notice_id, sent_at__isnull=True)
            .exclude(to_email="")
            .first()
        )
        if notice is None:
            return False
        message = EmailMultiAlternatives(
            subject=notice.subject, body=notice.render("body.txt"), to=[notice.to_email]
        )
        message.attach_alternative(notice.render("body.html"), "text/html")
        notice.attempts += 1
        try:
            message.send()
        except (smtplib.SMTPException, OSError) as exc:
            notice.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            notice.save(update_fields=["attempts", "last_error"])
            logger.warning("Notice %s not sent: %s", notice_id, notice.last_error)
            return False
        notice.sent_at = timezone.now()
        notice.last_error = ""
        notice.save(update_fields=["attempts", "last_error", "sent_at"])
        return True


def notices_due_for_resend(*, older_than_seconds: int = 30, limit: int = 500) -> list[int]:
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return list(
        Notice.objects.unsent()
        .filter(created_at__lt=cutoff, attempts__lt=MAX_ATTEMPTS)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def notices_mark_read(*, user: User, notice_ids: Iterable[int]) -> int:
    return Notice.objects.filter(recipient=user, pk__in=list(notice_ids), read_at__isnull=True).update(
        read_at=timezone.now()
    )
