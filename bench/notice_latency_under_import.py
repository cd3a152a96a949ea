"""Benchmark: does a 100,000-row import delay an approval's welcome notice?

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relicensing_h2 REDIS_URL=redis://127.0.0.1:6379/14 \\
        .venv/bin/python bench/notice_latency_under_import.py [--repeat 5] [--rows 100000] [--other-vendor] [--write-results]

The workers run as in the Procfile, one per queue (notices, workflow, importer, sweeper, and beat),
against the bench's own database and Redis, sending to a local aiosmtpd sink in its own process
(bench/smtp_sink.py). Measured, each `--repeat` times:
- the welcome notice: from `contracts.services.orders.request_approve` on a request whose purchase
  order was received (reinstatement then runs on the workflow queue and writes the
  `request_reinstated` notice) to the arrival of every welcome email at the sink; with idle
  queues, and with a 100,000-row equipment import (`import_job_create`, the imports queue) started
  and running just before the approval;
- the notice queue's own latency: one notice written by `notice_create` and committed, to its
  arrival, in both conditions.

The requests are built with the test helpers (tests/contracts/ordering.py), time moved to their
visit day as the tests do; everything the run writes stays in the bench database under its tag.
"""

import argparse
import datetime as dt
import logging
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import worker_rig as rig

try:
    SCRATCH = rig.environment_prepare()
except rig.BenchError as error:
    rig.fail(error)

import django

django.setup()
logging.disable(logging.INFO)  # this process's own structured log lines; the workers keep theirs

import time_machine  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import transaction  # noqa: E402

from accounts.choices import OrganizationKind, Role  # noqa: E402
from accounts.models import User  # noqa: E402
from common import schedule  # noqa: E402
from contracts.models import Contract  # noqa: E402
from contracts.services.orders import final_quote, purchase_order_receive, request_approve  # noqa: E402
from inspections.models import ChecklistVersion  # noqa: E402
from notices.events import NoticeEvent  # noqa: E402
from notices.models import Notice  # noqa: E402
from notices.services import notice_create  # noqa: E402
from relicensing.choices import ImportStatus  # noqa: E402
from relicensing.models import Equipment, ImportJob, Product, Request, Vendor  # noqa: E402
from relicensing.services import imports  # noqa: E402
from tests.contracts.ordering import inspected, prepared  # noqa: E402
from tests.factories import (  # noqa: E402
    OrganizationFactory,
    PartnershipFactory,
    ProductFactory,
    UserFactory,
    priced_product,
)
from tests.inspections.visits import coverage  # noqa: E402

FROZEN_FRIDAY = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)  # the helpers' dates (tests/conftest.py)
WAIT = 300  # seconds for one email before it is reported missing


@dataclass
class Cast:
    customer: User
    partner: User
    staff: User
    inspector: User


@dataclass
class Figures:
    welcome_last: list[float] = field(default_factory=list)  # every welcome email of the approval
    welcome_first: list[float] = field(default_factory=list)
    notice: list[float] = field(default_factory=list)
    import_running_at_welcome: list[bool] = field(default_factory=list)
    import_running_at_notice: list[bool] = field(default_factory=list)
    import_seconds: list[float] = field(default_factory=list)
    welcome_emails: set[int] = field(default_factory=set)  # emails per approval


def cast_create(tag: str) -> Cast:
    """People of one run (new organisations, so the welcome goes to exactly these), and the
    Juniper ACX2200 catalog of the tests, created once per database."""
    operator = OrganizationFactory(name=f"Bench operator {tag}", kind=OrganizationKind.OPERATOR)
    acme = OrganizationFactory(name=f"Bench customer {tag}", kind=OrganizationKind.CUSTOMER)
    reseller = PartnershipFactory(partner__name=f"Bench partner {tag}", customer=acme).partner
    cast = Cast(
        customer=UserFactory(username=f"bench-{tag}-customer", organization=acme, role=Role.CUSTOMER),
        partner=UserFactory(username=f"bench-{tag}-partner", organization=reseller, role=Role.PARTNER),
        staff=UserFactory(username=f"bench-{tag}-staff", organization=operator, role=Role.STAFF),
        inspector=UserFactory(username=f"bench-{tag}-inspector", organization=operator, role=Role.INSPECTOR),
    )
    juniper, _ = Vendor.objects.get_or_create(
        slug="juniper",
        defaults={
            "name": "Juniper Networks",
            "serial_pattern": r"^[A-Z0-9]{12}$",
            "serial_format": "12 letters and digits",
            "serial_example": "JN11AC220001",
        },
    )
    juniper.inspections_per_inspector_per_day = 1000  # every bench request is visited the same day
    juniper.save(update_fields=["inspections_per_inspector_per_day"])
    if not Product.objects.filter(vendor=juniper, model="ACX2200").exists():
        priced_product(vendor=juniper, model="ACX2200", list_price=Decimal("8500.00"))
    with time_machine.travel(FROZEN_FRIDAY, tick=False):
        if ChecklistVersion.objects.filter(vendor=juniper).exists():
            coverage(cast.inspector, "GB")
        else:
            prepared(cast.inspector, juniper)
    return cast


def requests_ordered(cast: Cast, count: int) -> list[Request]:
    """`count` requests of one ACX2200 each, inspected (passed) and with their purchase order
    received: ready for approval."""
    base = Equipment.objects.filter(serial_number__startswith="BR").count()
    ready = []
    with time_machine.travel(FROZEN_FRIDAY, tick=False) as traveller:
        for n in range(count):
            traveller.move_to(FROZEN_FRIDAY, tick=False)
            with transaction.atomic():
                request = inspected(
                    traveller,
                    customer=cast.customer,
                    partner=cast.partner,
                    staff=cast.staff,
                    inspector=cast.inspector,
                    serials=(f"BR{base + n:010d}",),
                )
                total = final_quote(request).total
                purchase_order_receive(
                    request=request, user=cast.customer, po_number=f"PO-B{n}", amount=total
                )
            ready.append(request)
    return ready


@dataclass
class ImportSpec:
    rows: int
    vendor: str
    product: str


def import_spec(rows: int, *, other_vendor: bool) -> ImportSpec:
    """The fleet the customer imports: Juniper ACX2200 as its request's chassis (their serial locks
    are shared with the reinstatement's), or another vendor's (no lock in common)."""
    if not other_vendor:
        return ImportSpec(rows, "juniper", "ACX2200")
    vendor, _ = Vendor.objects.get_or_create(
        slug="benchother", defaults={"name": "Bench Other Vendor", "serial_pattern": r"^[A-Z0-9]{12}$"}
    )
    if not Product.objects.filter(vendor=vendor, model="BENCH-1").exists():
        ProductFactory(vendor=vendor, model="BENCH-1")  # imported, never quoted: no price book
    return ImportSpec(rows, "benchother", "BENCH-1")


def import_file(spec: ImportSpec) -> SimpleUploadedFile:
    """`spec.rows` new serials of one vendor and product, as a customer's CSV (a fleet)."""
    base = Equipment.objects.filter(serial_number__startswith="BI").count()
    lines = [",".join(imports.COLUMNS)]
    for n in range(base, base + spec.rows):
        lines.append(
            f"{spec.vendor},BI{n:010d},{spec.product},secondary_market,Bench Broker,2026-01-{n % 28 + 1:02d},working"
        )
    return SimpleUploadedFile("fleet.csv", ("\n".join(lines) + "\n").encode(), content_type="text/csv")


# --- measurements -------------------------------------------------------------------------------
def arrived(sink: rig.Sink, marker: str) -> list[float]:
    return sorted(t for message_id, times in sink.arrivals().items() if marker in message_id for t in times)


def notice_latency(cast: Cast, sink: rig.Sink, occurrence: str) -> float | None:
    """One notice written and committed → its arrival at the sink, in seconds."""
    marker = "." + occurrence.replace(":", "-") + "@"
    started = time.monotonic()
    with transaction.atomic():
        notice_create(
            event=NoticeEvent.API_TOKEN_ISSUED,
            occurrence=occurrence,
            target=cast.customer,
            recipients=[cast.customer],
            context={"username": cast.customer.username},
        )
    if not rig.wait_until(lambda: arrived(sink, marker), timeout=WAIT):
        print(f"  notice {occurrence} did not arrive within {WAIT} s")
        return None
    return arrived(sink, marker)[0] - started


def welcome_latency(cast: Cast, sink: rig.Sink, request: Request) -> tuple[float, float, int] | None:
    """`request_approve` → the first and the last of the welcome emails at the sink, in seconds,
    and how many there were."""
    started = time.monotonic()
    with transaction.atomic():
        request_approve(request=request, user=cast.staff)
    contract = None

    def reinstated() -> bool:
        nonlocal contract
        contract = Contract.objects.filter(request=request).first()
        return contract is not None

    if not rig.wait_until(reinstated, timeout=WAIT, every=0.05):
        print(f"  request {request.number} was not reinstated within {WAIT} s")
        return None
    occurrence = f"contract:{contract.pk}:welcome"
    expected = Notice.objects.filter(occurrence=occurrence).count()
    marker = f".contract-{contract.pk}-welcome@"
    if not rig.wait_until(lambda: len(arrived(sink, marker)) >= expected, timeout=WAIT):
        print(f"  {len(arrived(sink, marker))} of {expected} welcome emails arrived within {WAIT} s")
        return None
    times = arrived(sink, marker)
    return times[0] - started, times[-1] - started, expected


def import_start(cast: Cast, spec: ImportSpec) -> tuple[ImportJob, float]:
    upload = import_file(spec)
    started = time.monotonic()
    with transaction.atomic():
        job = imports.import_job_create(
            organization=cast.customer.organization, user=cast.customer, upload=upload
        )
    running = rig.wait_until(
        lambda: ImportJob.objects.filter(pk=job.pk, status=ImportStatus.RUNNING).exists(), timeout=60
    )
    if not running:
        raise rig.BenchError(f"Import job {job.pk} did not start within 60 s")
    return job, started


def import_running(job: ImportJob) -> bool:
    return ImportJob.objects.filter(pk=job.pk, status=ImportStatus.RUNNING).exists()


def queues_idle(timeout: float = 180, *, stale: frozenset[int] = frozenset()) -> None:
    """Nothing queued, no import running and no notice of this run waiting: the idle condition.
    `stale` are notices an interrupted earlier run left pending (their retry dated in the future by
    its moved clock): nobody is sending them now."""

    def idle() -> bool:
        return (
            all(
                rig.queue_depth(queue) == 0
                for queue in (schedule.NOTICES, schedule.WORKFLOW, schedule.IMPORTS)
            )
            and not ImportJob.objects.filter(status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING]).exists()
            and not Notice.objects.pending().exclude(pk__in=stale).exists()
        )

    if not rig.wait_until(idle, timeout=timeout, every=0.5):
        print(f"  warning: the queues were not idle after {timeout:.0f} s")


def round_measure(
    *,
    n: int,
    cast: Cast,
    sink: rig.Sink,
    tag: str,
    idle_request: Request,
    busy_request: Request,
    spec: ImportSpec,
    idle: Figures,
    busy: Figures,
    stale: frozenset[int],
) -> None:
    queues_idle(stale=stale)
    notice = notice_latency(cast, sink, f"bench:{tag}:probe:{n}:idle")
    welcome = welcome_latency(cast, sink, idle_request)
    if notice is not None:
        idle.notice.append(notice)
    if welcome is not None:
        idle.welcome_first.append(welcome[0])
        idle.welcome_last.append(welcome[1])
        idle.welcome_emails.add(welcome[2])
    print(f"  round {n} idle: notice {notice or float('nan'):.2f} s, welcome {welcome}")

    queues_idle(stale=stale)
    job, started = import_start(cast, spec)
    welcome = welcome_latency(cast, sink, busy_request)
    running_at_welcome = import_running(job)
    notice = notice_latency(cast, sink, f"bench:{tag}:probe:{n}:import")
    running_at_notice = import_running(job)
    if not rig.wait_until(lambda: not import_running(job), timeout=900, every=0.5):
        raise rig.BenchError(f"Import job {job.pk} still running after 15 minutes")
    job.refresh_from_db()
    busy.import_seconds.append(time.monotonic() - started)
    if welcome is not None:
        busy.welcome_first.append(welcome[0])
        busy.welcome_last.append(welcome[1])
        busy.welcome_emails.add(welcome[2])
        busy.import_running_at_welcome.append(running_at_welcome)
    if notice is not None:
        busy.notice.append(notice)
        busy.import_running_at_notice.append(running_at_notice)
    print(
        f"  round {n} import: welcome {welcome} (import still running: {running_at_welcome}), "
        f"notice {notice or float('nan'):.2f} s (running: {running_at_notice}); import {job.status}, "
        f"{job.created_count:,} created in about {busy.import_seconds[-1]:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--other-vendor",
        action="store_true",
        help="import another vendor's serials than the request's (Juniper)",
    )
    parser.add_argument("--write-results", action="store_true", help="append the figures to bench/RESULTS.md")
    args = parser.parse_args()

    rig.database_migrate()
    rig.queues_purge(schedule.QUEUES)
    stale = frozenset(Notice.objects.pending().values_list("pk", flat=True))
    tag = uuid.uuid4().hex[:8]
    cast = cast_create(tag)
    print(f"building {2 * args.repeat + 1} requests ready for approval ...")
    ready = requests_ordered(cast, 2 * args.repeat + 1)
    spec = import_spec(args.rows, other_vendor=args.other_vendor)
    sink = rig.Sink(SCRATCH)
    env = {**rig.worker_env(sink), "BEAT_SCHEDULE_FILE": str(SCRATCH / "celerybeat-schedule")}
    commands = rig.procfile_commands()
    print(f"starting the Procfile's {', '.join(commands)}")
    processes = [rig.shell_process(name, command, SCRATCH, env) for name, command in commands.items()]
    idle, busy = Figures(), Figures()
    try:
        print(f"  ready: {', '.join(rig.workers_wait(sum(1 for c in commands if c != 'beat'), processes))}")
        queues_idle(stale=stale)
        print(f"  warm-up (not counted): notice {notice_latency(cast, sink, f'bench:{tag}:probe:warm')}")
        print(f"  warm-up (not counted): welcome {welcome_latency(cast, sink, ready[0])}")
        for n in range(1, args.repeat + 1):
            round_measure(
                n=n,
                cast=cast,
                sink=sink,
                tag=tag,
                idle_request=ready[2 * n - 1],
                busy_request=ready[2 * n],
                spec=spec,
                idle=idle,
                busy=busy,
                stale=stale,
            )
    finally:
        rig.processes_stop(processes)
        sink.stop()
    print(f"\nlogs: {SCRATCH}")
    duplicates = sum(len(times) - 1 for times in sink.arrivals().values())
    report = results_section(args, idle, busy, duplicates)
    print(report)
    if args.write_results:
        path = rig.ROOT / "bench" / "RESULTS.md"
        with path.open("a") as handle:
            handle.write(report)
        print(f"appended to {path.relative_to(rig.ROOT)}")


def results_section(args: argparse.Namespace, idle: Figures, busy: Figures, duplicates: int) -> str:
    median = statistics.median
    vendor_text = (
        "another vendor (no serial lock in common with the request's Juniper chassis)"
        if args.other_vendor
        else "Juniper ACX2200, the vendor and product of the request's chassis"
    )
    delay = median(busy.welcome_last) - median(idle.welcome_last)
    own = median(idle.notice)
    verdict = "within" if delay <= own else "MORE than"
    return (
        f"\n## Welcome notice latency during a {args.rows:,}-row import ({dt.date.today():%Y-%m-%d})\n\n"
        f"{rig.machine()}. Command: `.venv/bin/python bench/notice_latency_under_import.py "
        f"{'--other-vendor ' if args.other_vendor else ''}--write-results` "
        "(with the bench's own `DATABASE_URL` and `REDIS_URL`).\n\n"
        "Workers as in the `Procfile`, one per queue: notices (concurrency 2), workflow (2), importer (1), "
        "sweeper (1) and beat. Welcome: from `request_approve` (committed) on a request whose purchase order was "
        "received, through `request_reinstate` on the workflow queue (contract, licences, the welcome-kit PDF, the "
        "`request_reinstated` notice), to the arrival at a local aiosmtpd sink of the last of its "
        f"{' or '.join(str(n) for n in sorted(idle.welcome_emails | busy.welcome_emails))} welcome emails "
        "(the customer's user, its partner's user, the site contact); the first email in brackets. Notice queue: "
        "one `notice_create` committed, to its arrival. During the import: a CSV of "
        f"{args.rows:,} new serials of {vendor_text} for the same customer, `import_job_create`d and running on "
        f"the importer when the approval was made. {len(idle.welcome_last)} rounds (after one uncounted warm-up), "
        "idle and import alternating.\n\n"
        "| seconds, median / max | idle queues | during the import |\n| --- | --- | --- |\n"
        f"| approval → all welcome emails | {rig.median_max(idle.welcome_last)} | {rig.median_max(busy.welcome_last)} |\n"
        f"| approval → first welcome email | ({rig.median_max(idle.welcome_first)}) | "
        f"({rig.median_max(busy.welcome_first)}) |\n"
        f"| the notice queue's own latency (one notice, commit → arrival) | {rig.median_max(idle.notice)} | "
        f"{rig.median_max(busy.notice)} |\n\n"
        f"The import was still running when the welcome emails arrived in {sum(busy.import_running_at_welcome)} of "
        f"{len(busy.import_running_at_welcome)} rounds, and when the notice arrived in "
        f"{sum(busy.import_running_at_notice)} of {len(busy.import_running_at_notice)}; each import took "
        f"{rig.median_max(busy.import_seconds)} s (median / max) from its upload to done. Message-IDs the sink "
        f"saw twice during the whole run: {duplicates}.\n\n"
        f"**The import delayed the welcome notice by {delay:.2f} s (median), {verdict} the notice queue's own "
        f"latency of {own:.2f} s.**\n"
    )


if __name__ == "__main__":
    main()
