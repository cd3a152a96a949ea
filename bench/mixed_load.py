"""Benchmark (issue 13): a 60-second mixed load of customers and partners on the scale dataset.

    .venv/bin/python bench/mixed_load.py [--serials 1000000] [--users 50] [--seconds 60] [--write-results]

Both a locustfile and its runner. Run as a script it makes sure the scale dataset is loaded
(`loadscale`'s code), starts gunicorn as the Procfile's `web` line does (bench/api_bench.py), signs
the people in (API keys from the token endpoint, sessions), and runs locust headless in this process:
50 users, two in three customers (of every size) and one in three partners, each doing what
those people do with a pause of 0.5 to 2 s between steps: the dashboard, lists (pages and API),
serial checks, request and quote pages, and now and then a registration. Errors and p99 per
endpoint go to bench/RESULTS.md.

As a locustfile (`.venv/bin/locust -f bench/mixed_load.py --host ...`) it reads the people from
the JSON file named by MIXED_LOAD_PEOPLE, which the runner writes.

The registrations it makes stay (serials starting ML, outside the scale dataset's SJ/SCL ranges).
"""

import argparse
import html
import itertools
import json
import os
import random
import re
import string
import tempfile
from pathlib import Path

from locust import FastHttpUser, between, task

PEOPLE_FILE = Path(
    os.environ.get("MIXED_LOAD_PEOPLE", Path(tempfile.gettempdir()) / "mixed-load-people.json")
)
_people: list[dict] | None = None
_turn = itertools.count()
OLDER_LINK = re.compile(r'<a href="([^"]+)" rel="next">')  # templates/_keyset_pagination.html


def people(role: str) -> list[dict]:
    global _people
    if _people is None:
        _people = json.loads(PEOPLE_FILE.read_text())
    return [p for p in _people if p["role"] == role]


class Person(FastHttpUser):
    abstract = True
    wait_time = between(0.5, 2.0)
    role = ""

    def on_start(self) -> None:
        mine = people(self.role)
        self.me = mine[next(_turn) % len(mine)]
        self.api = {"Authorization": f"Token {self.me['token']}"}
        self.page = {"Cookie": f"sessionid={self.me['session']}"}

    def get(self, path: str, name: str, *, api: bool) -> None:
        self.client.get(path, headers=self.api if api else self.page, name=name)

    def some(self, key: str) -> int | str | None:
        return random.choice(self.me[key]) if self.me[key] else None

    @task(3)
    def dashboard(self) -> None:
        self.get("/", "page: dashboard", api=False)

    @task(2)
    def equipment_page(self) -> None:
        self.get("/equipment/", "page: equipment list", api=False)

    @task(2)
    def equipment_api(self) -> None:
        self.get("/api/v1/equipment/", "API: equipment list", api=True)

    @task(1)
    def equipment_page_later(self) -> None:
        # Reading on, as a person does: the first page, then one to five pages further by each
        # page's "Older" link (a keyset cursor).
        response = self.client.get("/equipment/", headers=self.page, name="page: equipment list")
        for _ in range(random.randint(1, 5)):
            older = OLDER_LINK.search(response.text or "")
            if older is None:
                return
            response = self.client.get(
                "/equipment/" + html.unescape(older.group(1)),
                headers=self.page,
                name="page: equipment list, older pages (by the Older link)",
            )

    @task(2)
    def requests_list(self) -> None:
        self.get("/api/v1/requests/", "API: requests list", api=True)

    @task(1)
    def requests_page(self) -> None:
        self.get("/requests/", "page: requests list", api=False)

    @task(2)
    def request_detail(self) -> None:
        if pk := self.some("requests"):
            self.get(f"/requests/{pk}/", "page: request", api=False)
            self.get(f"/api/v1/requests/{pk}/", "API: request", api=True)

    @task(1)
    def quote_detail(self) -> None:
        if pk := self.some("quotes"):
            self.get(f"/quotes/{pk}/", "page: quote", api=False)
            self.get(f"/api/v1/quotes/{pk}/", "API: quote", api=True)

    @task(4)
    def serial_check(self) -> None:
        vendor, serial = random.choice(self.me["serials"])
        self.get(
            f"/api/v1/serial-check/?vendor={vendor}&serial_number={serial}", "API: serial check", api=True
        )

    @task(1)
    def serial_check_page(self) -> None:
        vendor, serial = random.choice(self.me["serials"])
        self.get(f"/serial-check/?vendor={vendor}&serial_number={serial}", "page: serial check", api=False)

    @task(2)
    def equipment_by_serial(self) -> None:
        _, serial = random.choice(self.me["serials"])
        self.get(f"/api/v1/equipment/?serial_number={serial}", "API: equipment by serial", api=True)


class Customer(Person):
    weight = 2
    role = "customer"

    @task(1)
    def register(self) -> None:
        serial = "ML" + "".join(random.choices(string.ascii_uppercase + string.digits, k=10))
        body = {
            "vendor": "juniper",
            "serial_number": serial,
            "product": "ACX2200",
            "acquisition_channel": "secondary_market",
            "acquired_from": "Mixed load broker",
            "acquired_on": "2026-06-01",
            "condition": "working",
        }
        self.client.post("/api/v1/equipment/", json=body, headers=self.api, name="API: register a serial")


class Partner(Person):
    weight = 1
    role = "partner"


# --- the runner ---------------------------------------------------------------------
CUSTOMER_USERS = ["customer", "customer2", "scale-customer-1", "scale-customer-4"]
PARTNER_USERS = ["partner", "partner2", "scale-partner-north"]


def people_write(base: str, serials: int) -> None:
    """Each person's API key, session, and the requests, quotes and serials they may look at."""
    from api_bench import credentials_for

    from accounts.models import User
    from contracts.models import Quote
    from relicensing.models import Request
    from relicensing.scale import CUSTOMERS, SLOT_CUSTOMER, SLOTS, unit

    found = []
    for username in CUSTOMER_USERS + PARTNER_USERS:
        user = User.objects.select_related("organization").get(username=username)
        customers = (
            [user.organization] if user.role == "customer" else list(user.organization.customers.all())
        )
        positions = [n for n, c in enumerate(CUSTOMERS) if c[0] in {o.name for o in customers}]
        indices = [
            i for i in range(serials // 2, serials // 2 + 400) if SLOT_CUSTOMER[i % SLOTS] in positions
        ]
        requests = Request.objects.filter(customer__in=customers)
        found.append({
            "username": username,
            "role": "customer" if user.role == "customer" else "partner",
            **credentials_for(base, user),
            "requests": list(requests.values_list("pk", flat=True)[:100]),
            "quotes": list(Quote.objects.filter(request__in=requests).values_list("pk", flat=True)[:100]),
            "serials": [(unit(i).vendor, unit(i).serial) for i in indices[:50]],
        })  # fmt: skip
    PEOPLE_FILE.write_text(json.dumps(found))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serials", type=int, default=1_000_000, help="scale dataset size (loadscale)")
    parser.add_argument("--port", type=int, default=8712)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (the Procfile's default)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--write-results", action="store_true", help="append a section to bench/RESULTS.md")
    parser.add_argument(
        "--label", default="", help="a line for the section's heading, e.g. 'before the indexes'"
    )
    args = parser.parse_args()

    import api_bench
    import gevent
    from locust.env import Environment

    size = api_bench.dataset_ready(args.serials)
    base = f"http://127.0.0.1:{args.port}"
    server = api_bench.gunicorn_start(
        args.port, args.workers, api_bench.TMP / f"mixed-load-gunicorn-{args.port}.log"
    )
    try:
        people_write(base, args.serials)
        environment = Environment(user_classes=[Customer, Partner], host=base)
        runner = environment.create_local_runner()
        runner.start(args.users, spawn_rate=args.users / 5)  # all in within 5 s, counted from the start
        gevent.sleep(args.seconds)
        stats = [environment.stats.entries[key] for key in sorted(environment.stats.entries)]
        total = environment.stats.total
        runner.quit()
    finally:
        api_bench.gunicorn_stop(server)
    for entry in [*stats, total]:
        print(f"{entry.name:40} {entry.num_requests:6} req  {entry.num_failures:4} failed  "
              f"p50 {entry.get_response_time_percentile(0.5):6.0f} ms  p99 {entry.get_response_time_percentile(0.99):6.0f} ms")  # fmt: skip
    errors = environment.stats.errors.values()
    for error in errors:
        print(f"error: {error.method} {error.name}: {error.error} x{error.occurrences}")
    if args.write_results:
        results_write(args, size, stats, total, list(errors))


def results_write(args, size, stats, total, errors) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt
    import platform

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (server,) = cursor.fetchone()
    rows = "".join(
        f"| {e.name} | {e.num_requests:,} | {e.num_failures:,} | {e.num_requests / args.seconds:.1f} | "
        f"{e.get_response_time_percentile(0.5):,.0f} | {e.get_response_time_percentile(0.99):,.0f} |\n"
        for e in [*stats, total]
    )
    failures = "".join(f"- {e.method} {e.name}: {e.error} ({e.occurrences}x)\n" for e in errors) or "- none\n"
    label = f", {args.label}" if args.label else ""
    section = (
        f"\n## Mixed load: {args.users} users for {args.seconds:g} s at {args.serials:,} serials{label} "
        f"({dt.date.today():%Y-%m-%d})\n\n"
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"PostgreSQL {server}; load average {os.getloadavg()[0]:.1f} at the end (the machine is shared). "
        f"Command: `.venv/bin/python bench/mixed_load.py --serials {args.serials} --users {args.users} "
        f"--seconds {args.seconds:g} --write-results` (with the bench's own `DATABASE_URL` and `REDIS_URL`).\n\n"
        f"Data: `loadscale --serials {args.serials}` ({size['registrations']:,} registrations, "
        f"{size['acme']:,} Acme's, {size['requests']:,} requests). Server: gunicorn as the Procfile's `web` "
        f"line ({args.workers} sync workers), `config.settings.local`. Load: locust 2.47 in one process, "
        f"FastHttpUser, {args.users} users (2 customers to 1 partner; as `customer` (Acme, half of all serials), "
        "`customer2`, `scale-customer-1`, `scale-customer-4`, `partner` (serves Acme), `partner2`, "
        "`scale-partner-north`), 0.5 to 2 s between steps, all started within the first 5 s and counted "
        "from the start. Figures per endpoint name; p50/p99 are locust's (2 significant digits above 100 ms).\n\n"
        "| endpoint | requests | failed | requests/s | p50 ms | p99 ms |\n| --- | --- | --- | --- | --- | --- |\n"
        + rows
        + f"\nErrors:\n{failures}"
    )
    path = Path(__file__).resolve().parent / "RESULTS.md"
    with path.open("a") as handle:
        handle.write(section)
    print(f"appended to {path}")


if __name__ == "__main__":
    main()
