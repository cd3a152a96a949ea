"""Benchmark: 10,000 notices through the real path with 1, 2 and 4 notice workers.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relicensing_h2 REDIS_URL=redis://127.0.0.1:6379/14 \\
        .venv/bin/python bench/notices_scale.py [--notices 10000] [--workers 1 2 4] [--write-results]

For each worker count: N real worker processes (`celery -A config.celery_app worker
--queues=notices --concurrency=1`, N times with distinct hostnames), the notice rows written by
`notices.services.notice_create` in one transaction and handed to the `notices` queue in Redis
when it commits, each sent over SMTP to a local aiosmtpd sink in its own process
(bench/smtp_sink.py). The clock runs from the commit to the last arrival at the sink. Duplicates
are Message-IDs the sink saw more than once; at the end every notice row is checked to be sent.
The notices stay in the bench's database (each run tags its occurrences), nothing else is written.
"""

import argparse
import datetime as dt
import logging
import sys
import time
import uuid
from dataclasses import dataclass
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

from django.db import transaction  # noqa: E402

from accounts.choices import OrganizationKind, Role  # noqa: E402
from accounts.models import User  # noqa: E402
from common import schedule  # noqa: E402
from notices.events import NoticeEvent  # noqa: E402
from notices.models import Notice  # noqa: E402
from notices.services import notice_create  # noqa: E402
from tests.factories import OrganizationFactory, UserFactory  # noqa: E402

RECIPIENTS = 20
STALL = 120  # seconds without a new arrival before the run is called stuck


@dataclass
class Outcome:
    workers: int
    notices: int
    seconds: float
    publish_seconds: float
    arrived: int
    duplicates: int
    sent: int
    failed: int
    pending: int

    @property
    def rate(self) -> float:
        return self.arrived / self.seconds


def recipients(tag: str) -> list[User]:
    organization = OrganizationFactory(name=f"Bench notices {tag}", kind=OrganizationKind.CUSTOMER)
    return [
        UserFactory(
            username=f"bench-{tag}-{n}",
            email=f"bench-{tag}-{n}@bench.example",
            organization=organization,
            role=Role.CUSTOMER,
        )
        for n in range(RECIPIENTS)
    ]


def notices_write(*, people: list[User], occurrence: str, count: int) -> tuple[float, float]:
    """Write `count` notices in one transaction; the monotonic time of the commit and the seconds
    the commit took with its hand-over to Redis (the on-commit dispatch)."""
    with transaction.atomic():
        for n in range(count):
            person = people[n % len(people)]
            notice_create(
                event=NoticeEvent.API_TOKEN_ISSUED,
                occurrence=f"{occurrence}:{n}",
                target=person,
                recipients=[person],
                context={"username": person.username},
            )
        committed = time.monotonic()
    return committed, time.monotonic() - committed


def scale_run(*, workers: int, count: int, people: list[User], tag: str, sink: rig.Sink) -> Outcome:
    print(f"\n{workers} worker process(es):")
    rig.queues_purge((schedule.NOTICES,))
    env = rig.worker_env(sink)
    processes = [
        rig.celery_worker(
            f"notices-{workers}w-{n}",
            ["--queues=notices", "--concurrency=1", f"--hostname=bench-notices-{n}@%h", "--loglevel=INFO"],
            SCRATCH,
            env,
        )
        for n in range(1, workers + 1)
    ]
    try:
        print(f"  ready: {', '.join(rig.workers_wait(workers, processes))}")
        occurrence = f"bench:{tag}:w{workers}"
        marker = f".bench-{tag}-w{workers}-"  # how the occurrence reads inside the Message-ID
        written = time.monotonic()
        committed, publish = notices_write(people=people, occurrence=occurrence, count=count)
        print(f"  {count:,} rows written in {committed - written:.1f} s; commit + dispatch {publish:.1f} s")
        last, seen, stalled_since = committed, 0, time.monotonic()
        while seen < count:
            time.sleep(0.5)
            ours = {k: v for k, v in sink.arrivals().items() if marker in k}
            if len(ours) > seen:
                seen, stalled_since = len(ours), time.monotonic()
                last = max(t for times in ours.values() for t in times)
                if seen % 1000 < 50 or seen == count:
                    print(f"  {seen:,} arrived, {seen / (last - committed):.1f}/s")
            elif time.monotonic() - stalled_since > STALL:
                print(f"  stuck: no new arrival for {STALL} s at {seen:,} of {count:,}")
                break
        time.sleep(5)  # a late repeat of an email would arrive now
        ours = {k: v for k, v in sink.arrivals().items() if marker in k}
        rows = Notice.objects.filter(occurrence__startswith=f"{occurrence}:")
        outcome = Outcome(
            workers=workers,
            notices=count,
            seconds=last - committed,
            publish_seconds=publish,
            arrived=len(ours),
            duplicates=sum(len(times) - 1 for times in ours.values()),
            sent=rows.filter(sent_at__isnull=False).count(),
            failed=rows.filter(failed_at__isnull=False).count(),
            pending=rows.pending().count(),
        )
        if outcome.pending or outcome.failed:
            for notice in rows.exclude(sent_at__isnull=False)[:5]:
                print(
                    f"  not sent: notice {notice.pk} attempts={notice.attempts} error={notice.last_error!r}"
                )
        print(
            f"  {outcome.arrived:,} arrived in {outcome.seconds:.1f} s: {outcome.rate:.1f} notices/s; "
            f"duplicates {outcome.duplicates}; rows sent {outcome.sent:,}, failed {outcome.failed}, "
            f"pending {outcome.pending}"
        )
        return outcome
    finally:
        rig.processes_stop(processes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=10_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--write-results", action="store_true", help="append the figures to bench/RESULTS.md")
    args = parser.parse_args()

    rig.database_migrate()
    tag = uuid.uuid4().hex[:8]
    people = recipients(tag)
    sink = rig.Sink(SCRATCH)
    try:
        outcomes = [
            scale_run(workers=n, count=args.notices, people=people, tag=tag, sink=sink) for n in args.workers
        ]
    finally:
        sink.stop()
    print(f"\nlogs: {SCRATCH}")
    if args.write_results:
        write_results(outcomes)


def write_results(outcomes: list[Outcome]) -> None:
    path = rig.ROOT / "bench" / "RESULTS.md"
    base = outcomes[0].rate
    rows = "".join(
        f"| {o.workers} | {o.arrived:,} of {o.notices:,} | {o.seconds:.1f} | {o.rate:.1f} | {o.rate / base:.2f}x "
        f"| {o.duplicates} | {o.sent:,} sent, {o.failed} failed, {o.pending} pending | {o.publish_seconds:.1f} |\n"
        for o in outcomes
    )
    section = (
        f"\n## Scale-out: {outcomes[0].notices:,} notices with {', '.join(str(o.workers) for o in outcomes)} "
        f"notice workers ({dt.date.today():%Y-%m-%d})\n\n"
        f"{rig.machine()}. Command: `.venv/bin/python bench/notices_scale.py --write-results` "
        "(with the bench's own `DATABASE_URL` and `REDIS_URL`).\n\n"
        "Each worker is its own process: `celery -A config.celery_app worker --queues=notices --concurrency=1 "
        "--hostname=bench-notices-<n>@%h --loglevel=INFO`, started N times (settings as in production: acks_late, "
        "prefetch 1). The rows are written by `notice_create` in one transaction and dispatched to the `notices` "
        "queue in Redis on commit; each worker renders the notice and sends it over SMTP (one connection per "
        "email, Django's SMTP backend) to an aiosmtpd sink in its own process on this machine. Time runs from the "
        "commit to the last arrival; duplicates are Message-IDs the sink saw more than once. No beat or other "
        "worker ran meanwhile.\n\n"
        "| worker processes | arrived | seconds | notices/s | vs 1 worker | duplicates | notice rows | "
        "commit + dispatch (s) |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n"
        f"{rows}"
    )
    with path.open("a") as handle:
        handle.write(section)
    print(f"appended to {path.relative_to(rig.ROOT)}")


if __name__ == "__main__":
    main()
