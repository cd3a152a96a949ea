"""Celery tasks for inspections: the reminder sweep (safe to overlap or run twice)."""

from celery import shared_task

from inspections.services import notices


@shared_task(name="inspections.tasks.inspection_reminders_send")
def inspection_reminders_send() -> int:
    return notices.inspection_reminders_send()
