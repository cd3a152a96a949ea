"""Celery tasks of the shared machinery: forgetting old idempotency keys."""

from celery import shared_task

from common import idempotency


@shared_task(name="common.tasks.idempotency_keys_forget")
def idempotency_keys_forget() -> int:
    return idempotency.idempotency_keys_forget()
