"""Structured logs through the real path (issue 11, Deliver 7): an API call enqueues notices, a
`celery worker` process started as the Procfile starts it consumes them from Redis, and every line
on both sides is one JSON object carrying the request id, the task id, the user and the
organisation. Expected values are stated here, from the fixtures' people."""

import datetime as dt
import io
import json
import logging
import logging.config
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from knox.models import AuthToken
from rest_framework.test import APIClient
from structlog.stdlib import ProcessorFormatter

from accounts.choices import Role
from config.celery_app import app
from tests.factories import UserFactory

REPO = Path(__file__).resolve().parents[1]
SITE = {
    "name": "Acme HQ",
    "address": "1 Network Way, Leeds",
    "country": "GB",
    "contact_name": "Casey Morgan",
    "contact_email": "casey@acme.example",
    "contact_phone": "+44 113 000 0000",
}


class WorkerProcess:
    """`celery -A config.celery_app worker --loglevel=INFO` on the notices queue, as the Procfile
    starts it (the test settings log at WARNING: the flag must win), its stdout read line by line."""

    def __init__(self, *, pool: str, email_port: int, stderr: Path) -> None:
        db = connection.settings_dict  # pytest-django's test database, which the test commits to
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "REDIS_URL": settings.REDIS_URL,
            "EMAIL_URL": f"smtp://127.0.0.1:{email_port}",
            "LOG_FORMAT": "json",
            "PYTHONUNBUFFERED": "1",
        }
        command = [
            *(sys.executable, "-m", "celery", "-A", "config.celery_app", "--quiet", "worker"),
            *("--queues=notices", "--hostname=logs-test@%h", "--loglevel=INFO"),
            *(f"--pool={pool}", "--concurrency=1", "--without-gossip", "--without-mingle"),
        ]
        self.lines: list[str] = []
        self.stderr = stderr
        with stderr.open("w") as errors:
            # Its own process group, so stopping it stops the pool processes it forked too.
            self.process = subprocess.Popen(
                command,
                cwd=REPO,
                env=env,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
                start_new_session=True,
            )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def said(self) -> str:
        """The end of what it printed, for a failure message."""
        return "\n".join(self.lines[-20:]) + "\n--- stderr ---\n" + self.stderr.read_text()[-3000:]

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.reader.join(timeout=10)


@pytest.fixture(params=["prefork", "solo"])
def notices_worker(request, mailbox, smtp_sink, tmp_path):
    """A worker process; meanwhile this process publishes to Redis at commit (not eagerly)."""
    app.conf.task_always_eager = False
    with app.connection_for_write() as broker:
        broker.default_channel.queue_purge("notices")
    worker = WorkerProcess(pool=request.param, email_port=settings.EMAIL_PORT, stderr=tmp_path / "stderr")
    try:
        yield worker
    finally:
        worker.stop()
        app.conf.task_always_eager = True


@pytest.fixture
def web_log():
    """What the configured handlers write in this (the web) process, at INFO, instead of stdout."""
    buffer = io.StringIO()
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler.formatter, ProcessorFormatter):  # not pytest's own capture handlers
            handler.setStream(buffer)
    root.setLevel(logging.INFO)
    yield buffer
    logging.config.dictConfig(settings.LOGGING)  # back to stdout, at the test settings' level


def wait_for(condition, *, what: str, said=lambda: "", seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Gave up after {seconds} s waiting for {what}; it said:\n{said()}")
        time.sleep(0.1)


def parsed(lines: list[str]) -> list[dict]:
    return [json.loads(line) for line in lines]  # every line is one JSON object, or this fails


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_request_and_the_tasks_it_enqueues_log_the_same_request_user_and_organisation(
    acme, customer, acx2200, mailbox, time_machine, notices_worker, web_log
):
    # Friday 20 November 2026: 7 December is past the ten business days a visit needs.
    time_machine.move_to(dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC), tick=True)
    # Acme's second customer user's mail server answers "451 try again later": the worker says so
    # through a plain logging.getLogger(__name__) call in notices.services, inside the task.
    UserFactory(username="busy", email="busy@acme.example", organization=acme, role=Role.CUSTOMER)
    client = APIClient()
    # By token, as a partner's system calls: the user is known only inside the view, after the
    # request's log context was opened by the middleware.
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=customer)[1]}")
    equipment = client.post(
        "/api/v1/equipment/",
        {
            "vendor": "juniper",
            "serial_number": "AB12CD34EF56",
            "product": "ACX2200",
            "acquisition_channel": "secondary_market",
        },
        format="json",
    )
    assert equipment.status_code == 201, equipment.json()
    web_log.seek(0)
    web_log.truncate()

    response = client.post(
        "/api/v1/requests/",
        {"site": SITE, "equipment": [equipment.json()["id"]], "preferred_inspection_date": "2026-12-07"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    logging.getLogger("tests.after").warning("after the request")

    def both_tasks_done() -> bool:
        return sum('"task_succeeded"' in line for line in notices_worker.lines) == 2

    wait_for(both_tasks_done, what="the worker to run both notices", said=notices_worker.said)
    web, worker = parsed(web_log.getvalue().splitlines()), parsed(notices_worker.lines)

    # The web process: one request_finished, naming the token's user and organisation.
    [finished] = [line for line in web if line["event"] == "request_finished"]
    assert finished["request"] == "POST /api/v1/requests/"
    assert finished["code"] == 201
    assert (finished.get("user_id"), finished.get("organization_id")) == (customer.pk, acme.pk)
    request_id = finished["request_id"]
    [after] = [line for line in web if line["event"] == "after the request"]
    assert {"request_id", "user_id", "organization_id"}.isdisjoint(after), after
    enqueued = [line for line in web if line["event"] == "task_enqueued"]
    assert [line["child_task_name"] for line in enqueued] == ["notices.tasks.notice_send"] * 2
    assert {line["request_id"] for line in enqueued} == {request_id}
    # Written inside the view, after the token authenticated the caller.
    assert {(line.get("user_id"), line.get("organization_id")) for line in enqueued} == {
        (customer.pk, acme.pk)
    }
    task_ids = {line["child_task_id"] for line in enqueued}
    assert len(task_ids) == 2

    # The worker process: each task's lines carry its own id with the request's id, user and
    # organisation, and name the task.
    in_tasks = [line for line in worker if "task_id" in line]
    assert [line["event"] for line in in_tasks].count("task_started") == 2
    assert {line["task_id"] for line in in_tasks} == task_ids
    for line in in_tasks:
        assert line["request_id"] == request_id, line
        assert (line.get("user_id"), line.get("organization_id")) == (customer.pk, acme.pk), line
        assert line["task"] == "notices.tasks.notice_send", line

    # The plain logging call inside the task comes out as the same kind of line.
    [not_sent] = [line for line in in_tasks if line["logger"] == "notices.services"]
    assert not_sent["level"] == "warning"
    assert "not sent (attempt 1)" in not_sent["event"]
    assert "busy@acme.example" in not_sent["event"]

    # Celery's own lines are JSON too, and its "received" between two tasks belongs to no task.
    received = [line for line in worker if line["logger"] == "celery.worker.strategy"]
    assert [line["event"].split("[")[0] for line in received] == ["Task notices.tasks.notice_send"] * 2
    for line in received:
        assert "task_id" not in line and "request_id" not in line, line

    assert [message["To"] for message in mailbox] == [customer.email]


@pytest.mark.django_db
def test_reading_the_user_for_the_log_does_not_make_a_page_vary_by_cookie(client, web_log):
    # /healthz never reads the session: a shared cache may keep one answer for everyone.
    response = client.get("/healthz")

    assert "Cookie" not in response.get("Vary", "")
    [finished] = [json.loads(line) for line in web_log.getvalue().splitlines() if "request_finished" in line]
    assert (finished["request"], finished["user_id"]) == ("GET /healthz", None)


def settings_env(module: str, **extra: str) -> dict[str, str]:
    """The environment of a process started as the Procfile starts it, on these settings."""
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "LOG_FORMAT", "LOG_LEVEL")}
    return {**env, "DJANGO_SETTINGS_MODULE": module, "PYTHONUNBUFFERED": "1", **extra}


PRODUCTION = {
    "SECRET_KEY": "x" * 60,
    "ALLOWED_HOSTS": "127.0.0.1",
    "EMAIL_URL": "smtp://127.0.0.1:2525",
    "SECURE_SSL_REDIRECT": "false",
}


def test_gunicorn_master_worker_and_access_lines_are_json_in_production():
    # A deployment collects its static files there first; an empty folder keeps WhiteNoise's
    # "no directory" warning (on stderr) out of a fresh clone's run.
    (REPO / "var" / "staticfiles").mkdir(parents=True, exist_ok=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        *(str(Path(sys.executable).with_name("gunicorn")), "-c", "python:config.gunicorn"),
        *(
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            "-",
        ),
    ]
    web = subprocess.Popen(
        command,
        cwd=REPO,
        env=settings_env("config.settings.production", **PRODUCTION),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        answered = None
        deadline = time.monotonic() + 30
        while answered is None and time.monotonic() < deadline:
            try:
                # OPTIONS /healthz: refused (405) without rendering a page, so it needs no
                # collected static files (production's manifest), as a fresh clone has none.
                probe = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", method="OPTIONS")
                with urllib.request.urlopen(probe, timeout=2):  # noqa: S310 - localhost
                    pass
            except urllib.error.HTTPError as refused:
                answered = refused.code
            except OSError:
                time.sleep(0.2)
        assert answered == 405
    finally:
        web.terminate()
        stdout, stderr = web.communicate(timeout=30)

    assert stderr == ""
    lines = parsed(stdout.splitlines())
    events = [(line["logger"], line["level"], line["event"]) for line in lines]
    assert events[0][:2] == ("gunicorn.error", "info") and events[0][2].startswith("Starting gunicorn ")
    assert ("django.request", "warning", "Method Not Allowed (OPTIONS): /healthz") in events
    [finished] = [line for line in lines if line["event"] == "request_finished"]
    assert (finished["request"], finished["code"], finished["level"]) == ("OPTIONS /healthz", 405, "warning")
    [access] = [line for line in lines if line["logger"] == "gunicorn.access"]
    assert '"OPTIONS /healthz HTTP/1.1" 405' in access["event"]
    assert events[-1] == ("gunicorn.error", "info", "Shutting down: Master")


def test_a_workstation_reads_each_line_once_as_text():
    # DEBUG is on in config.settings.local (scripts/run): text, and Django's own console handler
    # (which it adds when DEBUG is on) does not print the line a second time.
    script = (
        "import django, logging; django.setup(); logging.getLogger('django.request').warning('Not Found: /x')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env=settings_env("config.settings.local"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    [line] = result.stdout.splitlines()
    assert line.endswith("[warning  ] Not Found: /x                  [django.request]")
