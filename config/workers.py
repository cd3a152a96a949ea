"""What a web worker does once it has loaded the app (config/gunicorn.py's post_worker_init); a
module of its own, so it can be tested without gunicorn's settings file, which sets the process's
environment when imported."""

import gc

GC_THRESHOLDS = (20_000, 10, 10)  # Python's defaults: (700, 10, 10)


def garbage_collector_tune() -> None:
    """A list page builds a few thousand short-lived objects, and with Python's default thresholds
    the cycle collector ran some 200 times a request, each time walking every object the app loaded
    (Django, the URL conf, the templates): a fifth of a list's CPU at a million serials
    (bench/RESULTS.md). Frozen, the loaded objects are never walked again, and a larger first
    generation collects a request's garbage a few times instead of hundreds."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
