"""Celery tasks for quotes: the expiry sweep (safe to overlap or run twice)."""

from celery import shared_task

from contracts.services import quotes


@shared_task(name="contracts.tasks.quotes_expire")
def quotes_expire() -> int:
    return quotes.quotes_expire()
