"""What the worker benchmarks share: their own database and Redis, real Celery worker processes,
and a local SMTP sink (bench/smtp_sink.py) whose arrival log they read.

Every process started here is started in its own session and stopped by its id (SIGTERM, then
SIGKILL after a grace period) when the benchmark ends, also on Ctrl-C.
"""

import os
import platform
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
CELERY = ROOT / ".venv" / "bin" / "celery"


class BenchError(Exception):
    """A precondition the benchmark cannot run without; printed as one line, not a traceback."""


def environment_prepare() -> Path:
    """Check the bench has its own database and Redis, make sure the database exists, and give
    the run a scratch directory (uploaded import files, worker logs, the arrival log)."""
    missing = [name for name in ("DATABASE_URL", "REDIS_URL") if not os.environ.get(name)]
    if missing:
        raise BenchError(
            f"Set {' and '.join(missing)} to the bench's own database and Redis db, e.g. "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/relicensing_h2 REDIS_URL=redis://127.0.0.1:6379/14"
        )
    database_create()
    scratch = Path(tempfile.mkdtemp(prefix="relicensing-bench-"))
    os.environ["MEDIA_ROOT"] = str(scratch / "media")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    signal.signal(signal.SIGTERM, _exit_on_sigterm)  # so `finally` blocks stop the workers
    return scratch


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(f"stopped by signal {signum}")


def database_create() -> None:
    import environ
    import psycopg2

    config = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    params = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
    }
    try:
        server = psycopg2.connect(dbname="postgres", **params)
    except psycopg2.OperationalError as exc:
        raise BenchError(f"PostgreSQL is not reachable at {params['host']}:{params['port']}: {exc}") from exc
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{config["NAME"]}"')
            print(f"created database {config['NAME']}")
    server.close()


def database_migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def machine() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (server,) = cursor.fetchone()
    return (
        f"Machine: {platform.machine()}, {os.cpu_count()} cores (`nproc`: {_nproc()}), "
        f"Python {platform.python_version()}, PostgreSQL {server}, Redis {_redis_version()}; load average "
        f"{os.getloadavg()[1]:.1f} over the last 5 minutes when the figures were taken (the machine is shared)"
    )


def _nproc() -> int:
    return len(os.sched_getaffinity(0))  # what `nproc` prints: the cores this process may use


def _redis_version() -> str:
    from config.celery_app import app

    with app.connection_for_write() as connection:
        return connection.default_channel.client.info()["redis_version"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the SMTP sink ------------------------------------------------------------------------------
class Sink:
    """bench/smtp_sink.py in a process of its own; `arrivals()` reads what it logged so far."""

    def __init__(self, scratch: Path) -> None:
        self.port = free_port()
        self.log = scratch / "arrivals.tsv"
        self.log.touch()
        self.process = Process(
            "smtp-sink",
            [
                str(PYTHON),
                str(ROOT / "bench" / "smtp_sink.py"),
                "--port",
                str(self.port),
                "--log",
                str(self.log),
            ],
            scratch,
        )
        self._offset = 0
        self.times: dict[str, list[float]] = defaultdict(list)
        deadline = time.monotonic() + 15
        while not _accepts(self.port):
            if time.monotonic() > deadline or self.process.popen.poll() is not None:
                raise BenchError(f"The SMTP sink did not start; see {self.process.log}")
            time.sleep(0.1)

    @property
    def email_url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def arrivals(self) -> dict[str, list[float]]:
        """Message-ID → the monotonic times it arrived (more than one: a duplicate)."""
        with self.log.open() as handle:
            handle.seek(self._offset)
            chunk = handle.read()
        complete = chunk[: chunk.rfind("\n") + 1]
        self._offset += len(complete.encode())
        for line in complete.splitlines():
            arrived, message_id, _ = line.split("\t")
            self.times[message_id].append(float(arrived))
        return self.times

    def stop(self) -> None:
        self.process.stop()


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


# --- processes ----------------------------------------------------------------------------------
class Process:
    """One process we started, in its own session, its output in a log file."""

    def __init__(self, name: str, argv: list[str], scratch: Path, env: dict[str, str] | None = None) -> None:
        self.name = name
        self.log = scratch / f"{name}.log"
        with self.log.open("ab") as output:
            self.popen = subprocess.Popen(  # noqa: S603 (our own commands: the venv's celery/python, the Procfile)
                argv,
                cwd=ROOT,
                env=env or os.environ.copy(),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def stop(self, grace: float = 30) -> None:
        if self.popen.poll() is not None:
            return
        self.popen.send_signal(signal.SIGTERM)  # Celery: warm shutdown, the running task finishes
        try:
            self.popen.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)  # its own session: only what it started
            self.popen.wait()


def worker_env(sink: Sink) -> dict[str, str]:
    return {**os.environ, "EMAIL_URL": sink.email_url, "PYTHONUNBUFFERED": "1"}


def procfile_commands(*, skip: tuple[str, ...] = ("web",)) -> dict[str, str]:
    """The Procfile's processes (name → command line), as `scripts/run` starts them."""
    commands = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, command = line.split(":", 1)
            if name.strip() not in skip:
                commands[name.strip()] = command.strip()
    return commands


def shell_process(name: str, command: str, scratch: Path, env: dict[str, str]) -> Process:
    """A Procfile line through the shell (it expands `${VAR:-default}`); `exec` keeps one pid."""
    venv_bin = str(ROOT / ".venv" / "bin")
    env = {**env, "PATH": f"{venv_bin}:{env.get('PATH', '')}"}
    return Process(name, ["/bin/sh", "-c", f"exec {command}"], scratch, env)


def celery_worker(name: str, args: list[str], scratch: Path, env: dict[str, str]) -> Process:
    argv = [str(CELERY), "-A", "config.celery_app", "worker", *args]
    print(f"  started: {shlex.join(argv[1:])}")
    return Process(name, argv, scratch, env)


def workers_wait(count: int, processes: list[Process], timeout: float = 60) -> list[str]:
    """Until `count` workers answer a ping; their node names."""
    from config.celery_app import app

    deadline = time.monotonic() + timeout
    while True:
        for process in processes:
            if process.popen.poll() is not None:
                raise BenchError(f"{process.name} exited with {process.popen.returncode}; see {process.log}")
        replies = app.control.ping(timeout=1.0)
        names = sorted(name for reply in replies for name in reply)
        if len(names) >= count:
            return names
        if time.monotonic() > deadline:
            raise BenchError(f"Only {len(names)} of {count} workers answered within {timeout:.0f} s: {names}")


def processes_stop(processes: list[Process]) -> None:
    for process in processes:
        if process.popen.poll() is None:
            process.popen.send_signal(signal.SIGTERM)
    for process in processes:
        process.stop()


# --- queues -------------------------------------------------------------------------------------
def queues_purge(names: tuple[str, ...]) -> int:
    """Drop messages an earlier, interrupted run left behind."""
    from config.celery_app import app

    with app.connection_for_write() as connection:
        return sum(connection.default_channel.queue_purge(name) or 0 for name in names)


def queue_depth(name: str) -> int:
    from config.celery_app import app

    with app.connection_for_write() as connection:
        channel = connection.default_channel  # a Redis list per queue and priority (kombu)
        return sum(channel.client.llen(channel._q_for_pri(name, pri)) for pri in channel.priority_steps)


def wait_until(condition: Callable[[], bool], *, timeout: float, every: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(every)
    return True


def median_max(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} / {max(values):.2f}" if values else "n/a"


def fail(error: BenchError) -> None:
    print(f"error: {error}", file=sys.stderr)
    raise SystemExit(2)
