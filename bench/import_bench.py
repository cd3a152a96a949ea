"""Benchmark: 100,000 generated serials through the import code path vs a raw Postgres COPY.

    .venv/bin/python bench/import_bench.py [--rows 100000] [--write-results]

Both runs happen in the same process against the same database, each inside a transaction
that is rolled back, so nothing is left behind. The import is the same function the API and
the import page call (`rows_read` then `registrations_import`); the baseline is a COPY of the
same CSV bytes into a table with the file's columns. The ratio goes to bench/RESULTS.md.
"""

import argparse
import datetime as dt
import io
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from accounts.choices import OrganizationKind  # noqa: E402
from accounts.models import Organization  # noqa: E402
from relicensing.models import Product, Vendor  # noqa: E402
from relicensing.services import imports  # noqa: E402

HEADER = ",".join(imports.COLUMNS)


class Rollback(Exception):
    pass


def generate_csv(rows: int) -> bytes:
    lines = [HEADER]
    for n in range(rows):
        lines.append(
            f"bench,BN{n:010d},BENCH-1,secondary_market,Bench Broker,2026-01-{n % 28 + 1:02d},working"
        )
    return ("\n".join(lines) + "\n").encode()


def timed_import(content: bytes) -> tuple[float, dict]:
    started = time.perf_counter()
    try:
        with transaction.atomic():
            vendor = Vendor.objects.create(slug="bench", name="Bench Vendor", serial_pattern=r"^BN[0-9]{10}$")
            Product.objects.create(
                vendor=vendor, model="BENCH-1", category="router", end_of_support=dt.date(2035, 1, 1)
            )
            organization = Organization.objects.create(name="Bench Customer", kind=OrganizationKind.CUSTOMER)
            started = time.perf_counter()
            rows = imports.rows_read(content=content, filename="bench.csv")
            result = imports.registrations_import(organization=organization, user=None, rows=rows)
            elapsed = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return elapsed, result.as_dict()


def timed_copy(content: bytes) -> float:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE bench_copy (vendor text, serial_number text, product text, "
                "acquisition_channel text, acquired_from text, acquired_on date, condition text)"
            )
            started = time.perf_counter()
            cursor.copy_expert(
                "COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)", io.BytesIO(content)
            )
            elapsed = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return elapsed


def timed_copy_into_tables(content: bytes) -> float:
    """The same rows written straight into the real equipment and registration tables with
    COPY (ids reserved from their sequences): no validation, no eligibility, no history."""
    text = content.decode()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            vendor = Vendor.objects.create(slug="bench", name="Bench Vendor", serial_pattern=r"^BN[0-9]{10}$")
            product = Product.objects.create(vendor=vendor, model="BENCH-1", category="router")
            organization = Organization.objects.create(name="Bench Customer", kind=OrganizationKind.CUSTOMER)
            started = time.perf_counter()
            lines = text.splitlines()[1:]
            cursor.execute(
                "SELECT nextval('relicensing_equipment_id_seq') FROM generate_series(1, %s)", [len(lines)]
            )
            ids = [i for (i,) in cursor.fetchall()]
            now = "2026-01-01 00:00:00+00"
            units, claims = io.StringIO(), io.StringIO()
            for unit_id, line in zip(ids, lines, strict=True):
                _, serial, _, channel, seller, acquired_on, condition = line.split(",")
                units.write(
                    f"{unit_id},{vendor.pk},{serial},{product.pk},,f,f,f,f,{organization.pk},{organization.pk},{now},\n"
                )
                claims.write(
                    f"{unit_id},{organization.pk},{channel},{seller},{acquired_on},{condition},active,{now},t,inspection,{{}}\n"
                )
            units.seek(0)
            claims.seek(0)
            cursor.copy_expert(
                "COPY relicensing_equipment (id, vendor_id, serial_number, product_id, reported_model, lost_or_stolen, "
                "counterfeit, permanently_damaged, damaged, original_owner_id, current_owner_id, created_at, retired) "
                "FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL (reported_model, retired))",
                units,
            )
            cursor.copy_expert(
                "COPY relicensing_registration (equipment_id, organization_id, acquisition_channel, acquired_from, "
                "acquired_on, condition, status, created_at, eligible, path, reasons) FROM STDIN WITH (FORMAT csv)",
                claims,
            )
            elapsed = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best is kept")
    parser.add_argument("--write-results", action="store_true", help="append the figures to bench/RESULTS.md")
    args = parser.parse_args()

    content = generate_csv(args.rows)
    imported = [timed_import(content) for _ in range(args.repeat)]
    copied = [timed_copy(content) for _ in range(args.repeat)]
    copied_tables = [timed_copy_into_tables(content) for _ in range(args.repeat)]
    best_import = min(t for t, _ in imported)
    best_copy = min(copied)
    best_tables = min(copied_tables)
    result = imported[0][1]
    assert result["created"] == args.rows and not result["rejected"], "the import must register every row"
    ratio = best_import / best_tables
    print(f"rows: {args.rows:,}")
    print(f"import (rows_read + registrations_import):     {best_import:.2f} s (best of {args.repeat})")
    print(f"raw COPY into equipment + registration tables: {best_tables:.2f} s")
    print(f"raw COPY into a bare 7-column table:           {best_copy:.2f} s")
    print(f"ratio to COPY into the same tables: {ratio:.1f}x (target: within 3x, issue 13)")
    print(f"ratio to COPY into a bare table:    {best_import / best_copy:.1f}x")
    if args.write_results:
        write_results(args.rows, best_import, best_tables, best_copy, repeat=args.repeat)


def write_results(
    rows: int, best_import: float, best_tables: float, best_copy: float, *, repeat: int
) -> None:
    path = ROOT / "bench" / "RESULTS.md"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (server,) = cursor.fetchone()
    section = (
        f"\n## Import of {rows:,} serials vs raw COPY ({dt.date.today():%Y-%m-%d})\n\n"
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"PostgreSQL {server}. Command: `.venv/bin/python bench/import_bench.py --repeat {repeat} --write-results`.\n\n"
        f"| path | seconds (best of {repeat}) | ratio |\n| --- | --- | --- |\n"
        f"| import: `rows_read` + `registrations_import` (parse, validate, existing-serial check, "
        f"eligibility, equipment + registrations + history) | {best_import:.2f} | 1.0 |\n"
        f"| raw `COPY` of the same rows into the equipment and registration tables | {best_tables:.2f} | "
        f"{best_import / best_tables:.1f}x |\n"
        f"| raw `COPY` of the same CSV into a bare 7-column table | {best_copy:.2f} | "
        f"{best_import / best_copy:.1f}x |\n\n"
        f"**Import vs a raw COPY of the same rows into the same tables: {best_import / best_tables:.1f}x** "
        "(target: within 3x, issue 13). The bare-table COPY is shown too: it writes no index, constraint or second table.\n"
    )
    if not path.exists():
        path.write_text("# Benchmark results\n\nEach section is one run of a script in `bench/`.\n")
    with path.open("a") as handle:
        handle.write(section)
    print(f"appended to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
