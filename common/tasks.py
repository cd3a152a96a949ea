"""Celery tasks of the shared machinery: forgetting old idempotency keys."""

from celery import shared_task

from common import idempotency
from common.periodic import periodic_run


@shared_task(name="common.tasks.idempotency_keys_forget")
def idempotency_keys_forget() -> int | None:
    return periodic_run(job="idempotency-keys-forget", work=idempotency.idempotency_keys_forget)
