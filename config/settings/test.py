"""The test suite: real Postgres and Redis (from the environment, else localhost), fast hashing."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-not-a-secret")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/relicensing")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
# Tests point email at an aiosmtpd sink they start themselves (tests/conftest.py).
os.environ.setdefault("EMAIL_URL", "smtp://127.0.0.1:2525")
os.environ.setdefault("ALLOWED_HOSTS", "*")
os.environ.setdefault("MEDIA_ROOT", "/tmp/relicensing-test-media")

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Tasks run in-process at commit; tests/notices/test_worker.py runs the real worker path.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

# Quiet (the aiosmtpd sink and Celery are chatty at INFO): a failing test shows warnings and
# errors only, as JSON lines like production's. A worker started with --loglevel=INFO logs at INFO
# (tests/test_logs.py reads those lines).
LOGGING["root"]["level"] = "WARNING"  # type: ignore[index]  # noqa: F405

# A test's webhook receiver listens on 127.0.0.1 over plain http (tests/webhooks/). Only here.
WEBHOOKS_ALLOW_LOOPBACK = True
