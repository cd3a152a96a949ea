"""The fault tests' fixtures: real worker processes, a Redis and a Postgres of the test's own, an
SMTP sink that can stall mid-conversation (tests/faults/harness.py), and an order to approve.

Each worker is `celery -A config.celery_app worker` started as a subprocess in its own process
group (tests/faults/worker_settings.py: the test settings without eager mode), pointed at this
test's database (pytest-django's, hence `transaction=True`), at the Redis server started here and
at the sink. The test process publishes to the same Redis. Every process started here is killed
when its fixture ends, whether the test passed or not.
"""

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.db import connection

from config.celery_app import app
from contracts.services.orders import purchase_order_receive
from relicensing.models import Request
from tests.contracts.ordering import inspected, prepared
from tests.faults.harness import (
    FRIDAY,
    FaultSink,
    PostgresCluster,
    RedisServer,
    Workers,
    database_url,
    eager_and_delivered_locally,
    port_free,
)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def broker(redis_server) -> Iterator[RedisServer]:
    """The test process publishes tasks to the test's Redis (not eagerly): on commit, as the web
    process does. The Redis starts empty and running."""
    if redis_server.process is None:
        redis_server.start()
    redis_server.client.flushall()
    saved = app.conf.broker_url, app.conf.task_always_eager
    _publish_to(redis_server.url, eager=False)
    try:
        yield redis_server
    finally:
        _publish_to(*saved[:1], eager=saved[1])


def _publish_to(url: str, *, eager: bool) -> None:
    app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_url = url
    app.conf.task_always_eager = eager


@pytest.fixture
def sink() -> Iterator[FaultSink]:
    handler = FaultSink()
    handler.port = port_free()
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    try:
        yield handler
    finally:
        handler.release()
        controller.stop()


@pytest.fixture
def workers(transactional_db, broker, sink, request) -> Iterator[Workers]:
    """Start real workers with `workers.start()`; on failure their logs are printed."""
    folder = Path(tempfile.mkdtemp(prefix="faults-workers-"))
    started = Workers(
        database_url=database_url(connection.settings_dict),
        broker=broker,
        sink_port=sink.port,
        folder=folder,
    )
    try:
        yield started
    finally:
        started.stop_all()
        failed = getattr(request.node, "rep_call", None)
        if failed is not None and failed.failed:
            for worker in started.started:
                print(f"--- {worker.log} ---\n{worker.log_text()[-6000:]}")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report


@pytest.fixture
def postgres_cluster(transactional_db) -> Iterator[PostgresCluster]:
    """A cluster of the test's own with a copy of the test database; this test's queries go to it
    until the test ends."""
    settings_dict = connection.settings_dict
    saved = dict(settings_dict)
    cluster = PostgresCluster(saved)
    try:
        cluster.create()
        connection.close()
        settings_dict.update(cluster.settings)
        yield cluster
    finally:
        connection.close()
        settings_dict.clear()
        settings_dict.update(saved)
        cluster.remove()


@pytest.fixture
def ordered(transactional_db, customer, partner, staff, inspector, juniper, acx2200) -> Request:
    """Acme's request for one ACX2200 (JN11AC220001), inspected and passed, with the partner's
    purchase order for the final total, USD 3,437.00: the next step is staff's approval. Built
    with time moved to the visit as tests/contracts do; the test itself runs on the real clock,
    the worker's."""
    with eager_and_delivered_locally(), time_machine.travel(FRIDAY, tick=False) as traveller:
        prepared(inspector, juniper)
        request = inspected(
            traveller,
            customer=customer,
            partner=partner,
            staff=staff,
            inspector=inspector,
            serials=("JN11AC220001",),
        )
        purchase_order_receive(request=request, user=partner, po_number="PO-1", amount="3437.00")
    request.refresh_from_db()
    assert request.status == "po_received"
    return request
