"""Celery tasks that send notices; both are safe to run twice or at the same time."""

from celery import shared_task

from common.periodic import periodic_run
from notices import services


@shared_task(name="notices.tasks.notice_send")
def notice_send(notice_id: int) -> bool:
    return services.notice_deliver(notice_id=notice_id)


@shared_task(name="notices.tasks.notices_resend_due")
def notices_resend_due() -> int | None:
    """Beat sweep: hand the worker the notices that missed the broker or whose retry is due."""
    return periodic_run(job="notices-resend-due", work=services.notices_resend_due)
