"""Benchmark (issue 15): the insights' figures and page at 100,000 requests, with their query plans.

    .venv/bin/python bench/insights_bench.py [--requests 100000] [--runs 5] [--reseed] [--plans]

Needs DATABASE_URL (the bench's own database: it seeds into it) and REDIS_URL. Migrates and loads
the demo if the database is empty, then seeds `--requests` requests of the demo's customers with
set-based SQL (INSERT ... SELECT over generate_series: requests, their transition rows, a unit
each, inspections with a result line, quotes with three fee lines, purchase orders), once: a
seeded database is reused unless `--reseed`. Then, for programme staff and for a partner (who
serves one of the two customers), over the default period (the last twelve months): each
figure's selector, timed in this process (median of `--runs`) with its SQL statements counted,
and the whole page through Django's test client with DEBUG off. `--plans` prints EXPLAIN
(ANALYZE, BUFFERS) of each statement and names any sequential scan of a large table.
Prints a markdown section for bench/RESULTS.md.
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ["DEBUG"] = "false"  # no template re-reading, no query log kept: as production serves


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per figure (the median is shown)")
    parser.add_argument("--reseed", action="store_true", help="delete the seeded requests and seed again")
    parser.add_argument("--plans", action="store_true", help="print each statement's EXPLAIN ANALYZE")
    return parser.parse_args()


ARGUMENTS = arguments() if __name__ == "__main__" else None

import django  # noqa: E402

django.setup()

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from insights.figures import FIGURES  # noqa: E402
from insights.selectors import default_period, insight_scope  # noqa: E402
from relicensing.models import Request, Vendor  # noqa: E402

PREFIX = "RQ-B"
LARGE_TABLES = (
    "relicensing_request",
    "common_transition",
    "inspections_inspection",
    "inspections_inspectionline",
    "contracts_quote",
    "contracts_quoteline",
    "contracts_purchaseorder",
    "relicensing_equipment",
)

# The status of request g is STATUSES[g % 20]: a programme where a quarter is reinstated, some
# wait at each step, and some fail, are cancelled or rejected.
STATUSES = (
    ["submitted"] * 3
    + ["quoted"] * 2
    + ["quote_accepted", "inspection_scheduled", "inspected", "po_received", "approved"]
    + ["reinstated"] * 5
    + ["failed_inspection"] * 2
    + ["cancelled"] * 2
    + ["rejected"]
)
MAIN = [
    "submitted",
    "quoted",
    "quote_accepted",
    "inspection_scheduled",
    "inspected",
    "po_received",
    "approved",
    "reinstated",
]
PATHS = {status: MAIN[: MAIN.index(status) + 1] for status in MAIN}
PATHS["failed_inspection"] = [*MAIN[:4], "failed_inspection"]
PATHS["cancelled"] = [*MAIN[:2], "cancelled"]
PATHS["rejected"] = [MAIN[0], "rejected"]


def database_ready() -> None:
    call_command("migrate", verbosity=0)
    if not Vendor.objects.exists():
        call_command("loaddemo", force=True)  # a bench database: DEBUG is off here on purpose


def seed(n: int, *, reseed: bool) -> float:
    """Seed `n` requests with their history (set-based); seconds taken, or 0 when already seeded."""
    seeded = Request.objects.filter(number__startswith=PREFIX).count()
    if seeded == n and not reseed:
        return 0.0
    started = time.perf_counter()
    request_type = ContentType.objects.get_for_model(Request).pk
    staff = User.objects.get(username="staff").pk
    inspector = User.objects.get(username="inspector").pk
    acme, borealis = (User.objects.get(username=u).organization_id for u in ("customer", "customer2"))
    vendors = list(Vendor.objects.order_by("pk").values_list("pk", flat=True))
    with transaction.atomic(), connection.cursor() as cursor:
        if seeded:
            _unseed(cursor)
        cursor.execute(
            "CREATE TEMP TABLE bench_paths (status text PRIMARY KEY, path text[]) ON COMMIT DROP;"
            "INSERT INTO bench_paths SELECT s, p::text[] FROM unnest(%s::text[], %s::text[]) AS u(s, p)",
            [list(PATHS), ["{" + ",".join(path) + "}" for path in PATHS.values()]],
        )
        cursor.execute(
            """
            INSERT INTO relicensing_request (number, customer_id, vendor_id, status, site_name, site_address,
                site_country, contact_name, contact_email, contact_phone, preferred_inspection_date,
                rejection_reason, created_by_id, created_at, updated_at)
            SELECT %s || g, CASE WHEN g %% 5 < 3 THEN %s ELSE %s END, (%s::bigint[])[g %% %s + 1],
                (%s::text[])[g %% 20 + 1], 'Site ' || g, '1 Network Way',
                (ARRAY['GB', 'US', 'DE', 'FR', 'NL'])[g %% 5 + 1], 'Casey Morgan', 'casey@example.com',
                '+44 113 496 0000', DATE '2027-01-11', '', NULL, created, created
            FROM generate_series(1, %s) AS g,
                LATERAL (SELECT now() - make_interval(days => (g * 37) %% 540, mins => g %% 1440) AS created) AS c
            """,
            [PREFIX, acme, borealis, vendors, len(vendors), STATUSES, n],
        )
        cursor.execute(
            """
            CREATE TEMP TABLE bench_requests ON COMMIT DROP AS
            SELECT r.id, r.vendor_id, r.status, r.created_at, p.path,
                   make_interval(days => (r.id * 7 %% 9 + 1)::int, hours => (r.id %% 24)::int) AS step
            FROM relicensing_request r JOIN bench_paths p ON p.status = r.status
            WHERE r.number LIKE %s;
            CREATE TEMP TABLE bench_step ON COMMIT DROP AS
            SELECT b.id, s.status, LEAST(b.created_at + (s.i - 1) * b.step, now()) AS at
            FROM bench_requests b, unnest(b.path) WITH ORDINALITY AS s(status, i);
            CREATE INDEX ON bench_step (id, status);
            """,
            [PREFIX + "%"],
        )
        cursor.execute(
            """
            INSERT INTO common_transition (target_type_id, target_id, from_status, to_status, reason, at, actor_id)
            SELECT %s, b.id, COALESCE(b.path[s.i - 1], ''), s.status, '',
                   LEAST(b.created_at + (s.i - 1) * b.step, now()), NULL
            FROM bench_requests b, unnest(b.path) WITH ORDINALITY AS s(status, i)
            """,
            [request_type],
        )
        cursor.execute(
            """
            INSERT INTO relicensing_equipment (vendor_id, serial_number, product_id, reported_model, lost_or_stolen,
                counterfeit, permanently_damaged, damaged, created_at, retired)
            SELECT b.vendor_id, 'BN' || lpad(b.id::text, 10, '0'), products.ids[b.id % array_length(products.ids, 1) + 1],
                   '', false, false, false, false, b.created_at, ''
            FROM bench_requests b
            JOIN (SELECT vendor_id, array_agg(id ORDER BY id) AS ids FROM relicensing_product
                  WHERE is_chassis GROUP BY vendor_id) AS products ON products.vendor_id = b.vendor_id
            """
        )
        cursor.execute(
            """
            INSERT INTO inspections_inspection (request_id, status, date, inspector_id, reschedules, completed_at,
                created_at, updated_at, checklist_version_id)
            SELECT b.id,
                   CASE WHEN done.at IS NOT NULL THEN 'completed'
                        WHEN booked.at IS NOT NULL THEN 'scheduled' ELSE 'unscheduled' END,
                   CASE WHEN booked.at IS NOT NULL THEN (booked.at + interval '7 days')::date END,
                   CASE WHEN booked.at IS NOT NULL THEN %s::bigint END, 0, done.at, accepted.at, accepted.at, NULL
            FROM bench_requests b
            JOIN bench_step accepted ON accepted.id = b.id AND accepted.status = 'quote_accepted'
            LEFT JOIN bench_step booked ON booked.id = b.id AND booked.status = 'inspection_scheduled'
            LEFT JOIN bench_step done ON done.id = b.id AND done.status IN ('inspected', 'failed_inspection')
            """,
            [inspector],
        )
        cursor.execute(
            """
            INSERT INTO inspections_inspectionline (inspection_id, equipment_id, serial_number, outcome)
            SELECT i.id, e.id, e.serial_number,
                   CASE WHEN i.status <> 'completed' THEN 'pending'
                        WHEN b.status = 'failed_inspection' OR b.id % 10 = 0 AND b.status = 'inspected' THEN 'failed'
                        ELSE 'passed' END
            FROM bench_requests b
            JOIN inspections_inspection i ON i.request_id = b.id
            JOIN relicensing_equipment e ON e.vendor_id = b.vendor_id AND e.serial_number = 'BN' || lpad(b.id::text, 10, '0')
            """
        )
        cursor.execute(
            """
            INSERT INTO contracts_quote (request_id, number, revision, status, currency, total, valid_until, issued_at,
                accepted_at, accepted_by_id, issued_by_id, note, reference, issuer, is_final, pdf, pdf_status)
            SELECT b.id, 'Q-B' || b.id, 1,
                   CASE WHEN b.status = 'quoted' THEN 'issued' WHEN b.status = 'cancelled' THEN 'withdrawn'
                        ELSE 'accepted' END,
                   'USD', 3437.00, (quoted.at + interval '30 days')::date, quoted.at, accepted.at, NULL, %s,
                   '', '', '{}'::jsonb, false, '', ''
            FROM bench_requests b
            JOIN bench_step quoted ON quoted.id = b.id AND quoted.status = 'quoted'
            LEFT JOIN bench_step accepted ON accepted.id = b.id AND accepted.status = 'quote_accepted'
            """,
            [staff],
        )
        cursor.execute(
            """
            INSERT INTO contracts_quoteline (quote_id, position, sku, kind, description, equipment_id, serial_number,
                quantity, unit_price, amount, non_refundable, sku_revision_id)
            SELECT q.id, fee.position, fee.sku, fee.kind, fee.sku, e.id, e.serial_number, 1, fee.amount, fee.amount,
                   true, NULL
            FROM contracts_quote q
            JOIN bench_requests b ON b.id = q.request_id
            JOIN relicensing_equipment e ON e.vendor_id = b.vendor_id AND e.serial_number = 'BN' || lpad(b.id::text, 10, '0')
            CROSS JOIN (VALUES (1, 'SVC-INSPECT-2', 'inspection', 1000.00), (2, 'SVC-CP-ACX2200', 'support_year', 437.00),
                               (3, 'SVC-JUNOS-REG-4', 'os_license', 2000.00)) AS fee(position, sku, kind, amount)
            """
        )
        cursor.execute(
            """
            INSERT INTO contracts_purchaseorder (request_id, quote_id, po_number, amount, currency, status, sales_order,
                document, document_name, received_at, received_by_id)
            SELECT b.id, q.id, 'PO-B' || b.id, 3437.00, 'USD',
                   CASE WHEN b.status IN ('approved', 'reinstated') THEN 'approved' ELSE 'received' END,
                   NULL, '', '', ordered.at, %s
            FROM bench_requests b
            JOIN bench_step ordered ON ordered.id = b.id AND ordered.status = 'po_received'
            JOIN contracts_quote q ON q.request_id = b.id
            """,
            [staff],
        )
    with connection.cursor() as cursor:
        for table in LARGE_TABLES:
            cursor.execute(f"ANALYZE {table}")
    return time.perf_counter() - started


def _unseed(cursor) -> None:
    seeded = f"(SELECT id FROM relicensing_request WHERE number LIKE '{PREFIX}%')"
    for sql in (
        f"DELETE FROM contracts_purchaseorder WHERE request_id IN {seeded}",
        f"DELETE FROM contracts_quoteline WHERE quote_id IN (SELECT id FROM contracts_quote WHERE request_id IN {seeded})",
        f"DELETE FROM contracts_quote WHERE request_id IN {seeded}",
        f"DELETE FROM inspections_inspectionline WHERE inspection_id IN "
        f"(SELECT id FROM inspections_inspection WHERE request_id IN {seeded})",
        f"DELETE FROM inspections_inspection WHERE request_id IN {seeded}",
        f"DELETE FROM common_transition WHERE target_id IN {seeded} AND target_type_id = "
        "(SELECT id FROM django_content_type WHERE app_label = 'relicensing' AND model = 'request')",
        "DELETE FROM relicensing_equipment WHERE serial_number LIKE 'BN%'",
        f"DELETE FROM relicensing_request WHERE id IN {seeded}",
    ):
        cursor.execute(sql)


def sizes() -> dict[str, int]:
    with connection.cursor() as cursor:
        found = {}
        for table in LARGE_TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")
            found[table] = cursor.fetchone()[0]
        return found


def timed(call, runs: int) -> tuple[float, int, list[str]]:
    """(median ms, statements, their SQL) of `call`, after one untimed run."""
    call()
    times, statements = [], []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
        statements = [q["sql"] for q in captured.captured_queries]
    return statistics.median(times), len(statements), statements


def seq_scans(statements: list[str], *, show: bool) -> list[str]:
    """Large tables a statement reads end to end (EXPLAIN ANALYZE of each captured statement)."""
    found = []
    with connection.cursor() as cursor:
        for sql in statements:
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plan = [row[0] for row in cursor.fetchall()]
            if show:
                print("\n".join(["", sql[:300], *plan]))
            found += [t for line in plan for t in LARGE_TABLES if f"Seq Scan on {t} " in line + " "]
    return sorted(set(found))


def main(args: argparse.Namespace) -> None:
    database_ready()
    took = seed(args.requests, reseed=args.reseed)
    print(f"seeded in {took:.1f} s" if took else "seed reused")
    size = sizes()
    today = timezone.localdate()
    start, end = default_period(today)
    vendors = list(Vendor.objects.all())
    per_day = max(v.inspections_per_inspector_per_day for v in vendors)
    rows = []
    for username in ("staff", "partner"):
        user = User.objects.get(username=username)
        scope = insight_scope(user=user, start=start, end=end, vendor=None)
        for slug, build in FIGURES.items():
            ms, count, statements = timed(lambda b=build, s=scope: b(s, visits_per_day=per_day), args.runs)
            scans = seq_scans(statements, show=args.plans)
            rows.append((username, slug, ms, count, scans))
            print(
                f"{username:8} {slug:24} {ms:8.1f} ms {count:3} queries  seq scans: {', '.join(scans) or 'none'}"
            )
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        # Worked out: `fresh` reads every figure again (and keeps them; its answer is a redirect).
        ms, count, _ = timed(lambda c=client: c.get("/insights/", {"fresh": "1"}), args.runs)
        rows.append((username, "the page, figures worked out (`/insights/?fresh=1`)", ms, count, []))
        print(f"{username:8} {'page, worked out':24} {ms:8.1f} ms {count:3} queries")
        ms, count, _ = timed(lambda c=client: c.get("/insights/"), args.runs)
        assert client.get("/insights/").status_code == 200
        rows.append((username, "the page, figures kept (`/insights/`)", ms, count, []))
        print(f"{username:8} {'page, kept':24} {ms:8.1f} ms {count:3} queries")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (server,) = cursor.fetchone()
    print(
        f"\n## Insights at {size['relicensing_request']:,} requests ({today:%Y-%m-%d})\n\n"
        f"Machine: {platform.machine()}, {os.cpu_count()} cores (shared), Python {platform.python_version()}, "
        f"PostgreSQL {server}; load average {os.getloadavg()[0]:.1f} at the end. Command: "
        f"`.venv/bin/python bench/insights_bench.py --requests {args.requests} --runs {args.runs}`.\n\n"
        f"Data (set-based seed on `loaddemo`): {size['relicensing_request']:,} requests (3 in 5 Acme's, served by "
        f"the `partner`), {size['common_transition']:,} transition rows, {size['inspections_inspection']:,} "
        f"inspections ({size['inspections_inspectionline']:,} result lines), {size['contracts_quote']:,} quotes "
        f"({size['contracts_quoteline']:,} lines), {size['contracts_purchaseorder']:,} purchase orders, created over "
        f"18 months. Period: the default, {start} to {end}. Each figure's selector timed in process (median of "
        f"{args.runs} after a warm-up run); the page through Django's test client, DEBUG off, counting every "
        "statement (session, user, savepoints included): once working the figures out (`?fresh=1`, what the "
        "first reader of a scope waits for, and what beat does for staff's default every ten minutes) and once "
        "with the figures kept (every later reader for 15 minutes). Sequential scans: large tables any of the figure's "
        "statements reads end to end (EXPLAIN ANALYZE).\n\n"
        "| as | figure | ms | queries | sequential scans |\n| --- | --- | --- | --- | --- |"
    )
    for username, slug, ms, count, scans in rows:
        print(f"| {username} | {slug} | {ms:,.1f} | {count} | {', '.join(scans) or 'none'} |")


if __name__ == "__main__":
    subprocess.run(  # noqa: S603 - the pages need the static files' manifest with DEBUG off
        [str(ROOT / ".venv" / "bin" / "python"), "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "false"},
        check=True,
    )
    main(ARGUMENTS)
