"""Tasks retry with growing delays when the database is unreachable, and never for bad data
(config.celery_app.DatabaseRetryingTask), through a real worker and Redis."""

import time
from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError

from contracts import tasks as contract_tasks
from notices import tasks

pytestmark = pytest.mark.worker


def calls_after(deliver: mock.Mock, count: int, seconds: float = 20) -> int:
    deadline = time.monotonic() + seconds
    while deliver.call_count < count and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # a retry that should not happen would come now
    return deliver.call_count


@pytest.mark.parametrize("lost", [OperationalError("server closed the connection"), InterfaceError("closed")])
def test_a_lost_database_connection_is_retried(lost, notice_worker):
    with mock.patch("notices.services.notice_deliver", side_effect=[lost, True]) as deliver:
        tasks.notice_send.delay(41)
        assert calls_after(deliver, 2) == 2
    assert deliver.call_args_list == [mock.call(notice_id=41)] * 2


def test_bad_data_is_not_retried(notice_worker):
    with mock.patch("notices.services.notice_deliver", side_effect=KeyError("context")) as deliver:
        tasks.notice_send.delay(41)
        assert calls_after(deliver, 2, seconds=4) == 1


def test_retries_back_off_and_stop():
    task = contract_tasks.request_reinstate
    assert (task.retry_backoff, task.retry_backoff_max, task.retry_jitter, task.max_retries) == (
        2,
        300,
        True,
        8,
    )
