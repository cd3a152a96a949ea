"""Celery tasks that send notices; both are safe to run twice or at the same time."""

from celery import shared_task

from notices import services


@shared_task(name="notices.tasks.notice_send")
def notice_send(notice_id: int) -> bool:
    return services.notice_deliver(notice_id=notice_id)


@shared_task(name="notices.tasks.notices_resend_due")
def notices_resend_due() -> int:
    """Beat sweep: hand the worker the notices that missed the broker or whose retry is due."""
    due = services.notices_due()
    services.notices_dispatch(due)
    return len(due)
