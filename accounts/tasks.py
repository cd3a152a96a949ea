"""Celery tasks of accounts: deleting expired API keys."""

from celery import shared_task

from accounts import services
from common.periodic import periodic_run


@shared_task(name="accounts.tasks.api_keys_expired_delete")
def api_keys_expired_delete() -> int | None:
    return periodic_run(job="api-keys-expired-delete", work=services.api_keys_expired_delete)
