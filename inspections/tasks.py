"""Celery tasks for inspections: the reminder sweep (safe to overlap or run twice)."""

from celery import shared_task

from common.periodic import periodic_run
from inspections.services import notices


@shared_task(name="inspections.tasks.inspection_reminders_send")
def inspection_reminders_send() -> int | None:
    return periodic_run(job="inspection-reminders-send", work=notices.inspection_reminders_send)
