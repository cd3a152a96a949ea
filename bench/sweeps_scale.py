"""Benchmark (issue 13): three periodic sweeps over 100,000 due rows each, against a raw SQL UPDATE.

    .venv/bin/python bench/sweeps_scale.py [--rows 100000] [--repeat 3] [--only quotes,contracts,reminders]
        [--write-results]

The sweeps are those `common/schedule.py` lists and their services: `quotes-expire`
(contracts.services.quotes.quotes_expire), `contracts-expire` (renewal_sweeps.contracts_expire) and
`renewal-reminders-send` (renewal_sweeps.renewal_reminders_send). For each, the due rows are bulk-inserted
with SQL (requests, quotes, contracts and their lines, on Acme's scale-dataset units) inside a
transaction that is rolled back, so nothing is left behind; the sweep runs on them, then, on the same
rows inserted again, one raw UPDATE of exactly the rows the sweep is due to handle. Needs the
demo data and, for the reminders' contract lines, Juniper units of Acme's (`loadscale`).

Inside the rolled-back transaction each sweep's per-row transactions are savepoints: a real run
commits (and waits for the disk) once per row besides, so these figures are a lower bound.
"""

import argparse
import datetime as dt
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="due rows per sweep")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs of each sweep and its UPDATE, alternating; the best is kept",
    )
    parser.add_argument("--only", default="quotes,contracts,reminders", help="which sweeps, comma-separated")
    parser.add_argument("--write-results", action="store_true", help="append a section to bench/RESULTS.md")
    parser.add_argument(
        "--label", default="", help="a line for the section's heading, e.g. 'before the indexes'"
    )
    return parser.parse_args()


# --help answers before Django, which needs a database, is set up.
ARGUMENTS = arguments() if __name__ == "__main__" else None

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from contracts.services.quotes import quotes_expire  # noqa: E402
from contracts.services.renewal_sweeps import contracts_expire, renewal_reminders_send  # noqa: E402
from relicensing.models import Vendor  # noqa: E402


class Rollback(Exception):
    pass


REQUESTS_SQL = """
INSERT INTO relicensing_request (number, status, site_name, site_address, site_country, contact_name,
    contact_email, contact_phone, preferred_inspection_date, rejection_reason, created_at, updated_at,
    created_by_id, customer_id, vendor_id)
SELECT %(prefix)s || lpad(n::text, 7, '0'), %(status)s, 'Sweep site', '1 Sweep Street', 'GB', 'Site Contact',
       'site@sweep.example', '+44 20 7946 0000', %(today)s + 30, '', now(), now(), %(user)s, %(customer)s, %(vendor)s
FROM generate_series(1, %(rows)s) AS n
"""

QUOTES_SQL = """
INSERT INTO contracts_quote (number, revision, status, currency, total, valid_until, issued_at, issued_by_id,
    request_id, note, reference, issuer, is_final, pdf, pdf_status)
SELECT 'Q-' || r.number, 1, 'issued', 'USD', 3437.00, %(today)s - 1, now() - interval '31 days', %(partner)s,
       r.id, '', '', '{}'::jsonb, false, '', ''
FROM relicensing_request r WHERE r.number LIKE %(like)s
"""

CONTRACTS_SQL = """
INSERT INTO contracts_contract (number, site_name, site_address, site_country, starts_on, ends_on, sales_order,
    created_at, owner_id, contact_email, contact_name, contact_phone, request_id)
SELECT 'C-' || r.number, 'Sweep site', '1 Sweep Street', 'GB', %(ends_on)s - 365, %(ends_on)s, 'SO-' || r.number,
       now(), r.customer_id, 'site@sweep.example', 'Site Contact', '+44 20 7946 0000', r.id
FROM relicensing_request r WHERE r.number LIKE %(like)s
"""

LINES_SQL = """
INSERT INTO contracts_contractline (contract_id, equipment_id)
SELECT c.id, e.id
FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM contracts_contract WHERE number LIKE %(contracts)s) c
JOIN (SELECT e.id, row_number() OVER (ORDER BY e.id) AS n FROM relicensing_equipment e
      WHERE e.vendor_id = %(vendor)s AND e.current_owner_id = %(customer)s LIMIT %(rows)s) e ON e.n = c.n
"""


def due_rows(kind: str, rows: int) -> dict[str, object]:
    """Insert `rows` due rows for one sweep; returns the parameters its raw UPDATE needs."""
    customer = User.objects.get(username="customer")
    juniper = Vendor.objects.get(slug="juniper")
    today = timezone.localdate()
    prefix = {"quotes": "SWQ", "contracts": "SWC", "reminders": "SWR"}[kind]
    params = {
        "prefix": prefix, "rows": rows, "today": today, "user": customer.pk,
        "customer": customer.organization_id, "vendor": juniper.pk, "like": f"{prefix}%", "contracts": f"C-{prefix}%",
        "partner": User.objects.get(username="partner").pk,
        "status": "quoted" if kind == "quotes" else "reinstated",
        # expired yesterday; or ending in 20 days: Juniper's 30-day reminder tier is reached
        "ends_on": today - dt.timedelta(days=1) if kind == "contracts" else today + dt.timedelta(days=20),
    }  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(REQUESTS_SQL, params)
        if kind == "quotes":
            cursor.execute(QUOTES_SQL, params)
        else:
            cursor.execute(CONTRACTS_SQL, params)
            cursor.execute(LINES_SQL, params)
            cursor.execute("SELECT count(*) FROM contracts_contractline l JOIN contracts_contract c "
                           "ON c.id = l.contract_id WHERE c.number LIKE %(contracts)s", params)  # fmt: skip
            (lines,) = cursor.fetchone()
            if lines < rows:
                raise SystemExit(
                    f"only {lines:,} Juniper units of Acme's for {rows:,} contracts: run loadscale"
                )
        cursor.execute("ANALYZE relicensing_request")
        cursor.execute("ANALYZE contracts_quote" if kind == "quotes" else "ANALYZE contracts_contract")
    return params


# The same rows the sweep is due to handle, in one statement each. Quote expiry: what it changes
# (the quote and its request's status). Contract expiry and reminders add rows (an expiry mark, a
# notice) rather than change them, so their baseline is one UPDATE that visits and rewrites each due
# contract once: the floor of touching the rows at all.
RAW_UPDATES = {
    "quotes": [
        "UPDATE contracts_quote SET status = 'expired' WHERE status = 'issued' AND valid_until < %(today)s",
        "UPDATE relicensing_request SET status = 'submitted', updated_at = now() "
        "WHERE number LIKE %(like)s AND status = 'quoted'",
    ],
    "contracts": [
        "UPDATE contracts_contract c SET ends_on = ends_on WHERE ends_on < %(today)s AND NOT EXISTS "
        "(SELECT 1 FROM contracts_contractexpiry x WHERE x.contract_id = c.id AND x.ends_on = c.ends_on)"
    ],
    "reminders": [
        "UPDATE contracts_contract SET ends_on = ends_on WHERE ends_on BETWEEN %(today)s AND %(today)s + 90 "
        "AND id IN (SELECT contract_id FROM contracts_contractline l JOIN relicensing_equipment e "
        "ON e.id = l.equipment_id WHERE e.vendor_id = %(vendor)s)"
    ],
}
SWEEPS: dict[str, Callable[[], int]] = {
    "quotes": quotes_expire,
    "contracts": contracts_expire,
    "reminders": renewal_reminders_send,
}
NAMES = {
    "quotes": "quote expiry (`quotes_expire`)",
    "contracts": "contract expiry (`contracts_expire`)",
    "reminders": "renewal reminders (`renewal_reminders_send`)",
}


# What a run writes, rolled back: vacuumed before each run, so no run reads the dead rows of the
# one before it (autovacuum would, between two real sweeps, but not within seconds).
VACUUMED = [
    "relicensing_request", "contracts_quote", "contracts_contract", "contracts_contractline",
    "contracts_contractevent", "contracts_contractexpiry", "common_transition", "notices_notice",
]  # fmt: skip


def timed(kind: str, rows: int, *, raw: bool) -> tuple[float, int]:
    """Seconds for the sweep (or the raw UPDATE) over `rows` fresh due rows, and rows it handled."""
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(VACUUMED)}")
    try:
        with transaction.atomic():
            params = due_rows(kind, rows)
            started = time.perf_counter()
            if raw:
                handled = 0
                with connection.cursor() as cursor:
                    for statement in RAW_UPDATES[kind]:
                        cursor.execute(statement, params)
                        handled = max(handled, cursor.rowcount)
            else:
                handled = SWEEPS[kind]()
            elapsed = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return elapsed, handled


def main(args: argparse.Namespace) -> None:
    figures = []
    for kind in args.only.split(","):
        # Alternating, on a shared machine: a burst of someone else's load then lands on both.
        sweeps, raws = [], []
        for _ in range(args.repeat):
            sweeps.append(timed(kind, args.rows, raw=False))
            raws.append(timed(kind, args.rows, raw=True))
        if args.repeat > 1:
            print(f"{NAMES[kind]}: sweep {', '.join(f'{t:.2f}' for t, _ in sweeps)} s; "
                  f"raw UPDATE {', '.join(f'{t:.2f}' for t, _ in raws)} s")  # fmt: skip
        (swept, handled), (raw, raw_rows) = min(sweeps), min(raws)
        figures.append((kind, swept, handled, raw, raw_rows))
        print(f"{NAMES[kind]:45} {swept:8.2f} s ({handled:,} handled)  raw UPDATE {raw:6.2f} s "
              f"({raw_rows:,} rows)  {swept / raw:6.1f}x")  # fmt: skip
    if args.write_results:
        results_write(args, figures)


def results_write(args: argparse.Namespace, figures: list[tuple[str, float, int, float, int]]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (server,) = cursor.fetchone()
    rows = "".join(
        f"| {NAMES[kind]} | {handled:,} | {swept:,.2f} | {raw_rows:,} | {raw:,.2f} | {swept / raw:,.1f}x |\n"
        for kind, swept, handled, raw, raw_rows in figures
    )
    label = f", {args.label}" if args.label else ""
    section = (
        f"\n## Sweeps over {args.rows:,} due rows each vs a raw UPDATE{label} ({dt.date.today():%Y-%m-%d})\n\n"
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"PostgreSQL {server}; load average {os.getloadavg()[0]:.1f} at the end (the machine is shared). "
        f"Command: `.venv/bin/python bench/sweeps_scale.py --rows {args.rows} --repeat {args.repeat} "
        f"--only {args.only} --write-results` "
        "(with the bench's own `DATABASE_URL`, on the `loadscale` data).\n\n"
        f"Each sweep is the service beat runs (common/schedule.py), called in this process (best of {args.repeat}, "
        "alternating with its baseline) over rows "
        "bulk-inserted in a transaction that is then rolled back (its per-row transactions are savepoints "
        "there, so a real run, which commits each row, is slower). Baseline: on the same rows inserted "
        "again, raw SQL over exactly the due rows: for quote expiry the two UPDATEs of what it changes "
        "(quotes to expired, their requests back to submitted); for contract expiry and reminders, which "
        "insert rows (an expiry mark and event; notices) rather than change them, one UPDATE rewriting "
        "each due contract once.\n\n"
        "| sweep | rows handled | seconds | raw rows | raw UPDATE seconds | ratio |\n"
        "| --- | --- | --- | --- | --- | --- |\n" + rows
    )
    path = ROOT / "bench" / "RESULTS.md"
    with path.open("a") as handle:
        handle.write(section)
    print(f"appended to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main(ARGUMENTS)
