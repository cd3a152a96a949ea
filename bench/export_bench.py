"""Benchmark: the equipment export (CSV and XLSX) of a customer's whole installed base, rows per
second and peak memory.

    DATABASE_URL=postgres://.../relicensing_scale .venv/bin/python bench/export_bench.py \
        [--users customer scale-customer-1] [--formats csv xlsx] [--tracemalloc]

On a database loaded with `manage.py loadscale --serials 1000000`, the demo `customer` (Acme)
holds about 500,000 registrations and `scale-customer-1` about 50,000: the same export at a tenth
of the rows shows whether memory grows with them. Each run is a fresh Python process calling the
download view itself (the same view, form, selector and writers the page's links reach), reading
the whole response and throwing it away. It reports:
- rows and rows per second, from the view being called to the last byte read;
- the process's peak resident memory (ru_maxrss) before the export and at its end;
- with --tracemalloc, a second run under tracemalloc: the peak of Python's own allocations
  during the export (its time is not reported: tracing slows the XLSX writer tenfold or more,
  so use it on the smaller customer: --users scale-customer-1 --tracemalloc).
The database is only read: every transaction of the run is READ ONLY.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", nargs="+", default=["customer", "scale-customer-1"])
    parser.add_argument("--formats", nargs="+", default=["csv", "xlsx"], choices=["csv", "xlsx"])
    parser.add_argument("--tracemalloc", action="store_true", help="also measure Python's peak allocations")
    parser.add_argument("--child", nargs=3, metavar=("USER", "FORMAT", "MODE"), help=argparse.SUPPRESS)
    return parser.parse_args()


def megabytes(kilobytes: int) -> float:
    return kilobytes / 1024  # ru_maxrss is in kilobytes on Linux


def child(username: str, extension: str, mode: str) -> None:
    """One export in this process; prints its figures as one JSON line."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["DEBUG"] = "false"  # as in production: no query log kept
    import django

    django.setup()
    from django.db.backends.signals import connection_created
    from django.test import RequestFactory

    from accounts.models import User
    from relicensing import selectors
    from relicensing.views.exports import equipment_export

    def read_only(sender, connection, **kwargs) -> None:  # type: ignore[no-untyped-def]
        with connection.cursor() as cursor:
            cursor.execute("SET default_transaction_read_only = on")

    connection_created.connect(read_only)
    user = User.objects.get(username=username)
    rows = selectors.registration_list(user=user).count()
    request = RequestFactory().get(f"/equipment/export.{extension}")
    request.user = user
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if mode == "tracemalloc":
        import tracemalloc

        tracemalloc.start()
    started = time.perf_counter()
    response = equipment_export(request, extension)
    size = 0
    for chunk in response.streaming_content:  # type: ignore[attr-defined]
        size += len(chunk)
    response.close()
    seconds = time.perf_counter() - started
    figures = {
        "user": username,
        "format": extension,
        "rows": rows,
        "bytes": size,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "maxrss_before_mb": round(megabytes(before), 1),
        "maxrss_peak_mb": round(megabytes(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss), 1),
    }
    if mode == "tracemalloc":
        figures["python_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    print(json.dumps(figures))


def run(username: str, extension: str, mode: str) -> dict:
    command = [sys.executable, __file__, "--child", username, extension, mode]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603  # this script itself
    if done.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    options = arguments()
    if options.child:
        child(*options.child)
        return
    print(
        f"{'user':<18} {'format':<6} {'rows':>9} {'MB out':>7} {'seconds':>8} {'rows/s':>8} "
        f"{'RSS before':>10} {'RSS peak':>9} {'Python peak':>11}"
    )
    for username in options.users:
        for extension in options.formats:
            report(run(username, extension, "time"))
            if options.tracemalloc:
                report(run(username, extension, "tracemalloc"))


def report(figures: dict) -> None:
    traced = "python_peak_mb" in figures
    print(
        f"{figures['user']:<18} {figures['format']:<6} {figures['rows']:>9,} "
        f"{figures['bytes'] / 2**20:>7.1f} "
        + (
            f"{'(traced)':>8} {'-':>8} "
            if traced
            else f"{figures['seconds']:>8.1f} {figures['rows_per_second']:>8,} "
        )
        + f"{figures['maxrss_before_mb']:>8.1f}MB {figures['maxrss_peak_mb']:>7.1f}MB "
        + (f"{figures['python_peak_mb']:>9.1f}MB" if traced else f"{'-':>11}"),
        flush=True,
    )


if __name__ == "__main__":
    main()
