"""The Celery application: configured from Django settings (CELERY_*), tasks found per app.

Every task retries, with growing delays, when the database is unreachable (a restart, a
failover): the worker reconnects on the next try without being restarted. Nothing else is
retried here: bad data fails the same way every time, and notices keep their own retry
schedule in the database (notices.services).
"""

import os

from celery import Celery, Task
from django.db import InterfaceError, OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

# Seconds: the first retry after about 2, then 4, 8 ... up to this (below the broker's visibility
# timeout, so a retrying task is never handed out twice).
RETRY_BACKOFF_MAX = 5 * 60


class DatabaseRetryingTask(Task):
    autoretry_for = (OperationalError, InterfaceError)
    retry_backoff = 2
    retry_backoff_max = RETRY_BACKOFF_MAX
    retry_jitter = True
    max_retries = 8


app = Celery("relicensing", task_cls=DatabaseRetryingTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
