"""Settings of the real worker processes the fault tests start: the test settings, without eager
mode, against the database, Redis and SMTP sink the test names in the environment.

The broker returns an unacknowledged task after VISIBILITY_TIMEOUT seconds instead of an hour, so a
test sees a killed worker's task come back while it waits; the worker looks for such tasks every
second. That breaks production's rule (the visibility timeout outlasts every task and every retry
countdown) on purpose, so the tests keep each task and each retry countdown shorter than it.
Nothing else differs from production: acks_late, reject_on_worker_lost, prefetch 1, the retries
and the time limits are the ones config/settings/base.py sets.
"""

from config.settings.test import *  # noqa: F403
from config.settings.test import CELERY_BROKER_TRANSPORT_OPTIONS, LOGGING

VISIBILITY_TIMEOUT = 5

CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": VISIBILITY_TIMEOUT,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
# The test reads what the worker did (a retry, a task lost) in its log.
LOGGING["loggers"]["celery"] = {"level": "INFO"}
