"""gunicorn's settings file (`gunicorn -c python:config.gunicorn ...`): the master process logs
as everything else does (config.logs), not only the workers once they have loaded Django; and
the web processes share their Prometheus counters through files (prometheus_client's
multiprocess mode), so /metrics answers the same sums whichever worker serves the scrape; and
each worker, once it has loaded the app, sets the loaded objects aside from the garbage collector."""

import os
import shutil
from pathlib import Path

# Before anything imports prometheus_client: it picks file-backed values at import time.
_METRICS_DIR = Path(
    os.environ.setdefault(
        "PROMETHEUS_MULTIPROC_DIR", str(Path(__file__).resolve().parents[1] / "var" / "prometheus")
    )
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

from django.conf import settings  # noqa: E402  # after the environment above

# Read here, before Django is set up: the settings module alone, which does not touch the database.
logconfig_dict = settings.LOGGING


def on_starting(server: object) -> None:
    """A fresh directory per start: files of a previous run's processes would be summed in."""
    shutil.rmtree(_METRICS_DIR, ignore_errors=True)
    _METRICS_DIR.mkdir(parents=True, exist_ok=True)


def child_exit(server: object, worker: object) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]


def post_worker_init(worker: object) -> None:
    """Once the worker has loaded the app: its objects out of the garbage collector's walks."""
    from config.workers import garbage_collector_tune

    garbage_collector_tune()
