"""The Celery application: configured from Django settings (CELERY_*), tasks found per app.

Every task retries, with growing delays, when the database is unreachable (a restart, a
failover): the worker reconnects on the next try without being restarted. Nothing else is
retried here: bad data fails the same way every time, and notices keep their own retry
schedule in the database (notices.services).

Logs: Celery leaves the root logger to Django's LOGGING (config.logs: one JSON line per event),
and each task's lines carry its id and the request id, user and organisation it was enqueued
under (django-structlog, from the task's headers).
"""

import logging.config
import os
from typing import Any

import structlog
from celery import Celery, Task, bootsteps, signals
from django.db import InterfaceError, OperationalError
from django_structlog.celery.receivers import CeleryReceiver

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


@signals.setup_logging.connect
def logging_configure(loglevel: int | None = None, **kwargs: Any) -> None:
    """Celery would replace the root logger's handlers with its own plain ones; Django's LOGGING
    instead, at the level the worker or beat was started with (the Procfile's --loglevel)."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)


class TaskContextStep(bootsteps.Step):
    """Worker side of django-structlog: each task's lines carry its id and its enqueuer's context.

    Not django-structlog's DjangoStructLogInitStep: that also connects the publishing signals,
    which django-structlog's app already connected (DJANGO_STRUCTLOG_CELERY_ENABLED), and every
    task enqueued from a task would be logged twice.
    """

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        # Kept on the step: Celery holds receivers weakly.
        self.receiver = receiver = CeleryReceiver()
        signals.task_prerun.connect(receiver.receiver_task_prerun)
        signals.task_retry.connect(receiver.receiver_task_retry)
        signals.task_success.connect(receiver.receiver_task_success)
        signals.task_failure.connect(receiver.receiver_task_failure)
        signals.task_revoked.connect(receiver.receiver_task_revoked)
        signals.task_unknown.connect(receiver.receiver_task_unknown)
        signals.task_rejected.connect(receiver.receiver_task_rejected)
        # The worker's own lines between tasks ("Task ... received") belong to no task.
        signals.task_postrun.connect(task_context_clear)


def task_context_clear(**kwargs: Any) -> None:
    structlog.contextvars.clear_contextvars()


app.steps["worker"].add(TaskContextStep)
