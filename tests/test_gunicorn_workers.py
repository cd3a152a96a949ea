"""The web workers' garbage collector (config/workers.py, called by config/gunicorn.py): once a
worker has loaded the app, the loaded objects are frozen out of the collector's walks and young
garbage is collected in bigger batches."""

import gc

import pytest

from config import workers


@pytest.fixture
def collector_restored():
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_a_worker_freezes_what_it_loaded_and_collects_in_bigger_batches(collector_restored):
    gc.unfreeze()
    loaded = [object() for _ in range(1000)]  # stands for the app the worker loaded

    workers.garbage_collector_tune()

    assert gc.get_freeze_count() >= len(loaded)
    assert gc.get_threshold() == (20_000, 10, 10)
