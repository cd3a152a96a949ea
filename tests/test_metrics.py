"""GET /metrics: django-prometheus's metrics and the operator's gauges, for a staff session or a
scraper sending `Authorization: Bearer <METRICS_TOKEN>`; 401 without either, 403 for a signed-in
person who is not staff."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from prometheus_client.parser import text_string_to_metric_families

from common.models import PeriodicJobState
from notices.models import Notice

pytestmark = pytest.mark.django_db

TOKEN = "scrape-2026-a8f3c1d9e0b7"
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def samples(response) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample as {(name, sorted labels): value}."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


# --- who may read them ---------------------------------------------------------------------
def test_nobody_signed_in_and_no_token_is_a_401_asking_for_the_token(client, token):
    response = client.get("/metrics")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"relicensing_" not in response.content


def test_a_wrong_token_is_a_401(client, token):
    for header in (f"Bearer {TOKEN}x", "Bearer ", f"Basic {TOKEN}", TOKEN, f"Bearer {TOKEN[:-1]}"):
        assert client.get("/metrics", HTTP_AUTHORIZATION=header).status_code == 401, header


def test_without_a_token_configured_no_token_opens_it(client, settings):
    """Guard: an empty METRICS_TOKEN turns token access off; an empty bearer must not match it."""
    settings.METRICS_TOKEN = ""
    for header in ("Bearer ", "Bearer", "bearer  "):
        assert client.get("/metrics", HTTP_AUTHORIZATION=header).status_code == 401, header


def test_signed_in_people_who_are_not_staff_are_refused(client, everyone, token):
    for name in ("customer", "other_customer", "partner", "other_partner", "inspector"):
        client.force_login(everyone[name])
        response = client.get("/metrics")
        assert response.status_code == 403, name
        assert b"relicensing_" not in response.content


def test_the_scraper_with_the_token_reads_them(client, token):
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    names = {name for name, _labels in samples(response)}
    assert "relicensing_notices_pending" in names
    # django-prometheus's own, from its middleware (the request that answers counts itself after).
    assert "django_http_requests_before_middlewares_total" in names


def test_a_staff_session_reads_them(client, staff):
    client.force_login(staff)
    assert client.get("/metrics").status_code == 200


# --- the figures -----------------------------------------------------------------------------
def test_the_operators_figures(client, staff, customer, time_machine):
    time_machine.move_to(NOW, tick=False)

    def notice(n, **fields):
        Notice.objects.create(
            event="api_token_issued",
            occurrence=f"token:{n}",
            target_type=ContentType.objects.get_for_model(customer),
            target_id=customer.pk,
            recipient=customer,
            to_email=customer.email,
            **fields,
        )

    notice(1, failed_at=NOW, last_error="Refused")
    notice(2, next_attempt_at=NOW + dt.timedelta(minutes=2))  # pending, not yet due
    notice(3, next_attempt_at=NOW - dt.timedelta(minutes=30))  # pending, overdue
    notice(4, sent_at=NOW)
    PeriodicJobState.objects.create(  # 1 Dec 2026 08:59:00 UTC = 1796115540 seconds since 1970
        job="quotes-expire",
        outcome="succeeded",
        started_at=dt.datetime(2026, 12, 1, 8, 58, 57, tzinfo=dt.UTC),
        finished_at=dt.datetime(2026, 12, 1, 8, 59, tzinfo=dt.UTC),
        last_succeeded_at=dt.datetime(2026, 12, 1, 8, 59, tzinfo=dt.UTC),
        result=3,
        runs=1,
    )
    PeriodicJobState.objects.create(  # failed now; its last success was at 08:00:00 = 1796112000
        job="contracts-expire",
        outcome="failed",
        started_at=NOW,
        finished_at=NOW,
        last_succeeded_at=dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC),
        error="boom",
        runs=2,
    )
    client.force_login(staff)

    got = samples(client.get("/metrics"))

    assert got[("relicensing_notices_pending", ())] == 2
    assert got[("relicensing_notices_overdue", ())] == 1
    assert got[("relicensing_notices_failed", ())] == 1
    assert got[("relicensing_import_jobs_stuck", ())] == 0
    assert got[("relicensing_requests_approved_not_reinstated", ())] == 0
    assert got[("relicensing_requests_waiting_on_vendor_too_long", ())] == 0
    assert got[("relicensing_broker_up", ())] == 1
    for queue in ("notices", "workflow", "imports", "sweeps"):
        assert ("relicensing_queue_messages", (("queue", queue), ("state", "waiting"))) in got
        assert ("relicensing_queue_messages", (("queue", queue), ("state", "in_progress"))) in got

    success = "relicensing_periodic_job_last_success_timestamp_seconds"
    assert got[(success, (("job", "quotes-expire"),))] == 1796115540
    assert got[(success, (("job", "contracts-expire"),))] == 1796112000  # kept after a failure
    assert (success, (("job", "staged-documents-sweep"),)) not in got  # never run

    def outcome(job, state):
        return got[("relicensing_periodic_job_last_outcome", (("job", job), ("outcome", state)))]

    assert outcome("quotes-expire", "succeeded") == 1 and outcome("quotes-expire", "failed") == 0
    assert outcome("contracts-expire", "failed") == 1 and outcome("contracts-expire", "succeeded") == 0
    assert outcome("staged-documents-sweep", "never_run") == 1
    assert outcome("staged-documents-sweep", "running") == 0


def test_a_broker_that_does_not_answer_reads_as_down_not_an_error(client, staff, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    client.force_login(staff)
    got = samples(client.get("/metrics"))
    assert got[("relicensing_broker_up", ())] == 0
    assert not [name for name, _labels in got if name == "relicensing_queue_messages"]


# --- several web processes ---------------------------------------------------------------------
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_request_counters_add_up_over_gunicorns_processes():
    """Guard: config.gunicorn's multiprocess mode (PROMETHEUS_MULTIPROC_DIR set before
    prometheus_client loads). Each worker serves one request and is replaced (--max-requests 1),
    so without shared files every count dies with its process and the scrape sees at most one."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request
    from pathlib import Path

    from django.db import connection

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    db = connection.settings_dict
    env = {
        # No PROMETHEUS_MULTIPROC_DIR: config.gunicorn must choose one (var/prometheus).
        **{k: v for k, v in os.environ.items() if k not in ("DEBUG", "PROMETHEUS_MULTIPROC_DIR")},
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "METRICS_TOKEN": TOKEN,
    }
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    command = [gunicorn, "-c", "python:config.gunicorn", "config.wsgi:application"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "2", "--max-requests", "1"]
    web = subprocess.Popen(
        command,
        cwd=Path(__file__).parents[1],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"

    def get(path: str, **headers: str) -> bytes:
        deadline = time.monotonic() + 60
        while True:
            try:
                request = urllib.request.Request(base + path, headers=headers)  # noqa: S310 - localhost
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - localhost
                    return response.read()
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    try:
        for _ in range(4):
            get("/healthz")
        exposition = get("/metrics", Authorization=f"Bearer {TOKEN}").decode()
    finally:
        web.terminate()
        web.wait(timeout=30)

    counted = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }
    healthz = ("method", "GET"), ("status", "200"), ("view", "healthz")
    assert counted[("django_http_responses_total_by_status_view_method_total", healthz)] == 4
