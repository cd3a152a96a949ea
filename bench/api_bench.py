"""Benchmark (issue 13): the lists, searches and checks at scale, side by side against a floor endpoint.

    .venv/bin/python bench/api_bench.py [--serials 1000000] [--users 4] [--seconds 20] [--rounds 4] [--write-results]

Needs DATABASE_URL and REDIS_URL (your own database; `loaddemo` run on it). Loads the scale
dataset with `loadscale`'s code if it is not complete yet (a loaded database is reused), starts
gunicorn as the Procfile's `web` line does (config.gunicorn, 2 sync workers) on its own port, and
drives each endpoint in turn with locust (FastHttpUser, as a library) at one concurrency for the
same time, in several rounds (the endpoints take turns), so the load of the shared machine, which
drifts from minute to minute, weighs on the floor and on each endpoint alike. Requests/s, p50 and p99 come from that; the SQL queries per request are counted in
this process with Django's test client and CaptureQueriesContext, on the same data.
"""

import argparse
import datetime as dt
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

# locust patches the standard library with gevent: before anything opens a socket.
from locust import FastHttpUser, constant, task  # isort: skip
from locust.env import Environment  # isort: skip
from locust.stats import calculate_response_time_percentile  # isort: skip
import gevent  # isort: skip

ROOT = Path(__file__).resolve().parent.parent
TMP = Path(tempfile.gettempdir())
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serials", type=int, default=1_000_000, help="scale dataset size (loadscale)")
    parser.add_argument("--port", type=int, default=8711)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (the Procfile's default)")
    parser.add_argument(
        "--users", type=int, default=4, help="concurrent locust users, the same for every endpoint"
    )
    parser.add_argument("--seconds", type=float, default=20, help="measured seconds per endpoint, in all")
    parser.add_argument(
        "--rounds",
        type=int,
        default=4,
        help="the endpoints take turns this many times, each for seconds/rounds: a change in the shared "
        "machine's load falls on the floor and on the endpoints alike",
    )
    parser.add_argument("--warmup", type=float, default=2, help="uncounted seconds before each turn")
    parser.add_argument(
        "--only",
        default="",
        help="endpoints whose label holds one of these words, comma-separated (the floor always runs), "
        "e.g. 'dashboard,partner requests': a quicker comparison of two versions on one machine",
    )
    parser.add_argument("--write-results", action="store_true", help="append a section to bench/RESULTS.md")
    parser.add_argument(
        "--label", default="", help="a line for the section's heading, e.g. 'before the indexes'"
    )
    return parser.parse_args()


# --help answers before Django, which needs a database, is set up.
ARGUMENTS = arguments() if __name__ == "__main__" else None

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.demo import DEMO_PASSWORD  # noqa: E402
from accounts.models import User  # noqa: E402
from relicensing.models import Registration, Request  # noqa: E402
from relicensing.scale import SLOT_CUSTOMER, SLOTS, scale_load, unit  # noqa: E402


@dataclass
class Target:
    label: str
    path: str
    who: str  # "customer" or "partner"
    auth: str  # "token" or "session"


@dataclass
class Figures:
    target: Target
    requests: int
    failures: int
    rps: float
    p50: float
    p99: float
    queries: int


# --- the dataset and who asks ---------------------------------------------------
def dataset_ready(serials: int) -> dict[str, int]:
    """Load what is missing (a no-op on a loaded database) and say how big it is."""
    started = time.monotonic()
    scale_load(serials=serials, progress=lambda message: print(f"  loadscale: {message}"))
    print(f"dataset checked in {time.monotonic() - started:.0f} s")
    acme = User.objects.get(username="customer").organization
    return {
        "registrations": Registration.objects.count(),
        "acme": Registration.objects.filter(organization=acme).count(),
        "requests": Request.objects.count(),
    }


def acme_serial(serials: int) -> tuple[str, str]:
    """A serial Acme (slot owner 0) holds, from the middle of the range: (vendor, serial)."""
    i = serials // 2
    while SLOT_CUSTOMER[i % SLOTS] != 0:
        i += 1
    u = unit(i)
    return u.vendor, u.serial


def deep_cursor(acme_count: int) -> str:
    """The `next` cursor a reader would follow to reach the middle of Acme's list (newest first):
    the lists page by keyset cursor, so a deep page is a cursor, not `?page=5000`."""
    from accounts.models import Organization
    from common.paging import NEWEST_FIRST, Cursor

    acme = Organization.objects.get(name="Acme Networks")
    row = Registration.objects.filter(organization=acme).order_by(*NEWEST_FIRST)[acme_count // 2]
    return Cursor(created_at=row.created_at, pk=row.pk, older=True).encode()


def targets(serials: int, acme_count: int) -> list[Target]:
    vendor, serial = acme_serial(serials)
    middle = acme_count // 2
    cursor = deep_cursor(acme_count)
    return [
        Target("floor: vendors (API)", "/api/v1/vendors/", "customer", "token"),
        Target("serial check (API)", f"/api/v1/serial-check/?vendor={vendor}&serial_number={serial}", "customer", "token"),
        Target("equipment by serial (API)", f"/api/v1/equipment/?serial_number={serial}", "customer", "token"),
        Target("customer equipment, first page (API)", "/api/v1/equipment/", "customer", "token"),
        Target(
            f"customer equipment, page at row {middle:,} by cursor (API)",
            f"/api/v1/equipment/?cursor={cursor}", "customer", "token",
        ),
        Target("customer equipment, first page (page)", "/equipment/", "customer", "session"),
        Target(
            f"customer equipment, page at row {middle:,} by cursor (page)",
            f"/equipment/?cursor={cursor}", "customer", "session",
        ),
        Target("partner requests (API)", "/api/v1/requests/", "partner", "token"),
        Target("partner equipment (API)", "/api/v1/equipment/", "partner", "token"),
        Target("customer dashboard (page)", "/", "customer", "session"),
    ]  # fmt: skip


def credentials_for(base: str, user: User) -> dict[str, str]:
    """An API key from the running server's token endpoint, and a session (the test client's
    force_login, stored where the server reads it)."""
    body = json.dumps({"username": user.username, "password": DEMO_PASSWORD}).encode()
    asked = urllib.request.Request(  # noqa: S310 - our own server on loopback
        f"{base}/api/v1/auth/token/", data=body, headers={"Content-Type": "application/json"}
    )
    answer = urllib.request.urlopen(asked)  # noqa: S310 - our own server on loopback
    client = Client()
    client.force_login(user)
    return {"token": json.load(answer)["token"], "session": client.cookies["sessionid"].value}


def credentials(base: str) -> dict[str, dict[str, str]]:
    """Headers per person and kind of auth."""
    found: dict[str, dict[str, str]] = {}
    for who, username in (("customer", "customer"), ("partner", "partner")):
        own = credentials_for(base, User.objects.get(username=username))
        found[f"{who}:token"] = {"Authorization": f"Token {own['token']}"}
        found[f"{who}:session"] = {"Cookie": f"sessionid={own['session']}"}
    return found


def queries_per_request(target: Target, headers: dict[str, str]) -> int:
    """SQL statements for one request, served in this process on the same data (the second of two,
    so first-use caches do not count)."""
    client = Client(HTTP_HOST="127.0.0.1")
    extra = {f"HTTP_{name.upper()}": value for name, value in headers.items()}
    if "Cookie" in headers:
        client.cookies["sessionid"] = headers["Cookie"].removeprefix("sessionid=")
        extra = {}
    client.get(target.path, **extra)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(target.path, **extra)
    if response.status_code != 200:
        raise SystemExit(f"{target.label}: {target.path} answered {response.status_code} in process")
    return len(captured.captured_queries)


# --- the server and the load ------------------------------------------------------
def gunicorn_start(port: int, workers: int, log: Path) -> subprocess.Popen:
    """The Procfile's `web` line, with this port and its own Prometheus directory, and DEBUG off as
    in production: with it on, Django re-reads every template on each page and keeps every query
    in memory, which is what a benchmark must not measure. The static files' manifest, which the
    pages need with DEBUG off, is collected first."""
    env = {
        **os.environ,
        "DEBUG": "false",
        "WEB_BIND": f"127.0.0.1:{port}",
        "WEB_WORKERS": str(workers),
        "PROMETHEUS_MULTIPROC_DIR": str(TMP / f"bench-prometheus-{port}"),
    }
    subprocess.run(  # noqa: S603
        [str(ROOT / ".venv" / "bin" / "python"), "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "python:config.gunicorn", "config.wsgi:application",
        "--bind", env["WEB_BIND"], "--workers", env["WEB_WORKERS"], "--access-logfile", "-",
    ]  # fmt: skip
    server = subprocess.Popen(  # noqa: S603
        command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )
    for _ in range(120):
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz").status == 200:
                return server
        except OSError:
            time.sleep(0.5)
    gunicorn_stop(server)
    raise SystemExit(f"gunicorn did not answer on port {port}; see {log}")


def gunicorn_stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


@dataclass
class Turn:
    requests: int
    failures: int
    seconds: float
    response_times: dict[int, int]  # locust's: rounded ms -> requests


def load(
    base: str, target: Target, headers: dict[str, str], *, users: int, seconds: float, warmup: float
) -> Turn:
    """One turn: `users` locust users asking one path back to back for `seconds`, after `warmup`
    seconds not counted."""

    class Asker(FastHttpUser):
        host = base
        wait_time = constant(0)

        @task
        def ask(self) -> None:
            self.client.get(target.path, headers=headers, name=target.label)

    environment = Environment(user_classes=[Asker])
    runner = environment.create_local_runner()
    runner.start(users, spawn_rate=users)
    gevent.sleep(warmup)
    environment.stats.reset_all()
    started = time.perf_counter()
    gevent.sleep(seconds)
    total = environment.stats.total
    turn = Turn(
        total.num_requests, total.num_failures, time.perf_counter() - started, dict(total.response_times)
    )
    runner.quit()
    # The server goes on with the requests in flight when the users stop: let them finish (each
    # takes at most the slowest time seen) so they do not slow the next endpoint down.
    time.sleep(min(60.0, (total.max_response_time or 0) / 1000 + 1))
    return turn


def figures_of(target: Target, turns: list[Turn], queries: int) -> Figures:
    """An endpoint's figures over all its turns: requests/s over the measured seconds, percentiles
    over every response."""
    requests = sum(turn.requests for turn in turns)
    times: dict[int, int] = {}
    for turn in turns:
        for ms, count in turn.response_times.items():
            times[ms] = times.get(ms, 0) + count
    return Figures(
        target,
        requests,
        sum(turn.failures for turn in turns),
        requests / sum(turn.seconds for turn in turns),
        calculate_response_time_percentile(times, requests, 0.5),
        calculate_response_time_percentile(times, requests, 0.99),
        queries=queries,
    )


# --- the run ----------------------------------------------------------------------
def main(args: argparse.Namespace) -> None:

    size = dataset_ready(args.serials)
    print(f"registrations: {size['registrations']:,} (Acme {size['acme']:,}); requests: {size['requests']:,}")
    base = f"http://127.0.0.1:{args.port}"
    log = TMP / f"api-bench-gunicorn-{args.port}.log"
    server = gunicorn_start(args.port, args.workers, log)
    try:
        headers = credentials(base)
        endpoints = targets(args.serials, size["acme"])
        if args.only:
            wanted = [word.strip().lower() for word in args.only.split(",") if word.strip()]
            chosen = [t for t in endpoints[1:] if any(word in t.label.lower() for word in wanted)]
            if not chosen:
                raise SystemExit(f"--only {args.only!r} names no endpoint: {[t.label for t in endpoints]}")
            endpoints = [endpoints[0], *chosen]
        queries = [queries_per_request(t, headers[f"{t.who}:{t.auth}"]) for t in endpoints]
        turns: list[list[Turn]] = [[] for _ in endpoints]
        for round_ in range(args.rounds):
            for target, own_turns in zip(endpoints, turns, strict=True):
                own = headers[f"{target.who}:{target.auth}"]
                turn = load(
                    base,
                    target,
                    own,
                    users=args.users,
                    seconds=args.seconds / args.rounds,
                    warmup=args.warmup,
                )
                own_turns.append(turn)
                print(f"round {round_ + 1}: {target.label:45} {turn.requests / turn.seconds:8.1f} req/s  "
                      f"{turn.failures} failed")  # fmt: skip
        results = [figures_of(*row) for row in zip(endpoints, turns, queries, strict=True)]
    finally:
        gunicorn_stop(server)
    floor = results[0].rps
    for figures in results:
        print(f"{figures.target.label:45} {figures.rps:8.1f} req/s  p50 {figures.p50:6.0f} ms  "
              f"p99 {figures.p99:6.0f} ms  {figures.queries} queries  {figures.failures} failed  "
              f"{figures.rps / floor:6.3f}x the floor")  # fmt: skip
    if args.write_results:
        results_write(args, size, results)


def results_write(args: argparse.Namespace, size: dict[str, int], results: list[Figures]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (server,) = cursor.fetchone()
    floor = results[0].rps
    rows = "".join(
        f"| {f.target.label} | `{f.target.path}` | {f.target.who}, {f.target.auth} | {f.rps:,.1f} | "
        f"{f.p50:,.0f} | {f.p99:,.0f} | {f.rps / floor:.3f}x | {f.queries} | {f.failures} of {f.requests:,} |\n"
        for f in results
    )
    label = f", {args.label}" if args.label else ""
    section = (
        f"\n## API and pages at {args.serials:,} serials vs the floor endpoint{label} ({dt.date.today():%Y-%m-%d})\n\n"
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"PostgreSQL {server}; load average {os.getloadavg()[0]:.1f} at the end (the machine is shared). "
        f"Command: `.venv/bin/python bench/api_bench.py --serials {args.serials} --users {args.users} "
        f"--seconds {args.seconds:g} --rounds {args.rounds} --workers {args.workers} --warmup {args.warmup:g}"
        + (f" --only '{args.only}'" if args.only else "")
        + " --write-results` (with the bench's own `DATABASE_URL` and `REDIS_URL`).\n\n"
        f"Data (`manage.py loadscale --serials {args.serials}` on `loaddemo`): {size['registrations']:,} "
        f"registrations, {size['acme']:,} of them Acme Networks' (the `customer` and, through NetReseller, "
        f"the `partner` below), {size['requests']:,} requests. Server: gunicorn as the Procfile's `web` line "
        f"(`config.gunicorn`, {args.workers} sync workers, access log on), `config.settings.local` with DEBUG "
        "off, as in production (the bench sets it). Load: locust 2.47 as a library, FastHttpUser, "
        f"{args.users} users asking back to back, one endpoint at a time, {args.seconds:g} s each in "
        f"{args.rounds} turns (the endpoints take turns, floor first, so a change in the shared machine's load "
        f"falls on all alike), each after {args.warmup:g} s of warm-up and followed by a pause for the server to "
        "finish what was in flight; client, server and Postgres share the 2 cores. p50/p99 are locust's, over "
        "every turn "
        "(rounded to 2 significant digits above 100 ms). Queries: one request in-process (Django test client "
        "and CaptureQueriesContext, the second of two), counting every statement including savepoints.\n\n"
        "| endpoint | path | as | requests/s | p50 ms | p99 ms | vs floor | queries | failed |\n"
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n" + rows
    )
    path = ROOT / "bench" / "RESULTS.md"
    with path.open("a") as handle:
        handle.write(section)
    print(f"appended to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main(ARGUMENTS)
