"""What the operator's page and /metrics read: queue depth per queue, the last run of each periodic
job, notices failed or still unsent, and stuck work. Reads only; the same figures in both places.

A page of these costs the same number of queries however many rows there are (pinned by a test).
"""

import datetime as dt
import json
import logging
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from kombu import Connection

from common.models import PeriodicJobState
from common.schedule import IMPORTS, NOTICES, PERIODIC_JOBS, QUEUES, SWEEPS, WORKFLOW, PeriodicJob
from contracts.services.reinstatement import SWEEP_AFTER as REINSTATE_SWEEP_AFTER
from notices.models import Notice
from relicensing.choices import ImportStatus, RequestStatus
from relicensing.models import ImportJob, Request
from relicensing.services.escalation import requests_waiting_too_long
from relicensing.services.imports.jobs import STALE_AFTER as IMPORT_STALE_AFTER

logger = logging.getLogger(__name__)

# A pending notice is due at `next_attempt_at` and the resend sweep runs every minute: one still
# unsent this long after it was due is overdue (the notices worker or the sweep is not working).
NOTICE_OVERDUE_AFTER = dt.timedelta(minutes=5)
# The reinstatement sweep takes approved requests after REINSTATE_SWEEP_AFTER, every minute;
# one still approved a few minutes after that is stuck.
REINSTATEMENT_OVERDUE_AFTER = REINSTATE_SWEEP_AFTER + dt.timedelta(minutes=3)
ROWS_SHOWN = 50  # per list on the page; the count above each list says how many there are in all


# --- queues (Redis) ---------------------------------------------------------------
QUEUE_PURPOSES = {
    NOTICES: "Emails: every notice, one task each.",
    WORKFLOW: "Reinstatement after approval, and any task not routed elsewhere.",
    IMPORTS: "Bulk registration imports.",
    SWEEPS: "The periodic jobs below.",
}


@dataclass(frozen=True)
class QueueDepth:
    queue: str
    waiting: int  # in the broker's list, not yet taken by a worker
    in_progress: int  # taken by a worker and not yet acknowledged (running, or held for a countdown)

    @property
    def purpose(self) -> str:
        return QUEUE_PURPOSES.get(self.queue, "")


class BrokerUnavailable(Exception):
    """Redis could not be reached or answered nonsense; the depth of the queues is unknown."""


def queue_depths() -> list[QueueDepth]:
    """Each queue of `common.schedule.QUEUES` as the broker holds it now.

    Kombu's Redis transport keeps a queue as one list per priority step (`notices`, then
    `notices\\x06\\x163`, `...6`, `...9`), and a message a worker has taken but not acknowledged
    (acks_late: until its task finishes) in the `unacked` hash, keyed by delivery tag, with its
    routing key. Read through kombu's own channel so its key names and any key prefix hold.
    """
    options = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS, "socket_connect_timeout": 2, "socket_timeout": 2}
    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2, transport_options=options) as broker:
            broker.ensure_connection(
                max_retries=1, interval_start=0, timeout=2
            )  # default_channel retries forever
            channel = broker.default_channel
            client = channel.client
            pipe = client.pipeline()
            for queue in QUEUES:
                for key in _priority_keys(channel, queue):
                    pipe.llen(key)
            lengths = pipe.execute()
            unacked = client.hvals(channel.unacked_key)
    except Exception as exc:  # kombu and redis-py raise several types when Redis is away
        raise BrokerUnavailable(f"{type(exc).__name__}: {exc}") from exc
    steps = len(lengths) // len(QUEUES)
    taken = _unacked_by_queue(unacked)
    return [
        QueueDepth(queue=queue, waiting=sum(lengths[i * steps : (i + 1) * steps]), in_progress=taken[queue])
        for i, queue in enumerate(QUEUES)
    ]


def _priority_keys(channel: object, queue: str) -> list[str]:
    sep = channel.sep  # type: ignore[attr-defined]
    return [queue] + [f"{queue}{sep}{step}" for step in channel.priority_steps if step]  # type: ignore[attr-defined]


def _unacked_by_queue(payloads: list[bytes]) -> Counter[str]:
    """Count unacknowledged messages by the queue they were taken from. Each entry is kombu's JSON
    [message, exchange, routing key]; Celery routes a task to a queue by a routing key of the
    queue's name."""
    counts: Counter[str] = Counter()
    for payload in payloads:
        try:
            _message, exchange, routing_key = json.loads(payload)
        except (ValueError, TypeError):
            logger.warning("An unacknowledged message in Redis is not kombu's JSON; not counted")
            continue
        counts[routing_key or exchange] += 1
    return counts


# --- periodic jobs ------------------------------------------------------------------
@dataclass(frozen=True)
class PeriodicJobRun:
    job: PeriodicJob
    state: PeriodicJobState | None  # None: never run since this database was made

    @property
    def late(self) -> bool:
        """Its last start is more than two intervals (and a minute) old: beat or the sweeps worker is
        not running. A job never run is not called late: a fresh installation has run nothing."""
        if self.state is None:
            return False
        return self.state.started_at < timezone.now() - 2 * self.job.every - dt.timedelta(minutes=1)

    @property
    def every(self) -> str:
        """ "every minute", "every 15 minutes", "every 6 hours", "every day"."""
        return "every " + _span(self.job.every, singular_one=True)

    @property
    def took(self) -> str:
        """How long its last finished run took, in words; "" while running or never run."""
        if self.state is None or self.state.finished_at is None:
            return ""
        seconds = (self.state.finished_at - self.state.started_at).total_seconds()
        if seconds < 1:
            return "under a second"
        return _span(dt.timedelta(seconds=round(seconds)))


def _span(span: dt.timedelta, *, singular_one: bool = False) -> str:
    """A span in its largest whole unit: "2 minutes", "1 hour" (or "hour" with singular_one)."""
    seconds = int(span.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds >= size and (seconds % size == 0 or unit in ("minute", "second")):
            count = seconds // size
            if count == 1:
                return unit if singular_one else f"1 {unit}"
            return f"{count} {unit}s"
    return f"{seconds} seconds"


def periodic_job_runs() -> list[PeriodicJobRun]:
    """Every job of the one list, in its order, with its state row (one query)."""
    states = {
        state.job: state for state in PeriodicJobState.objects.filter(job__in=[j.name for j in PERIODIC_JOBS])
    }
    return [PeriodicJobRun(job=job, state=states.get(job.name)) for job in PERIODIC_JOBS]


# --- notices --------------------------------------------------------------------------
@dataclass(frozen=True)
class NoticeCounts:
    pending: int  # not sent, not given up on, with an address
    overdue: int  # pending, and due more than NOTICE_OVERDUE_AFTER ago
    failed: int  # given up on: refused, cannot be rendered, or kept failing


def notice_counts(*, now: dt.datetime | None = None) -> NoticeCounts:
    """The three counts in one query."""
    now = now or timezone.now()
    pending = Q(sent_at__isnull=True, failed_at__isnull=True) & ~Q(to_email="")
    figures = Notice.objects.aggregate(
        pending=Count("pk", filter=pending),
        overdue=Count("pk", filter=pending & Q(next_attempt_at__lt=now - NOTICE_OVERDUE_AFTER)),
        failed=Count("pk", filter=Q(failed_at__isnull=False, sent_at__isnull=True)),
    )
    return NoticeCounts(**figures)


def notices_failed() -> QuerySet[Notice]:
    """Notices given up on, latest first; each may be re-sent (`notices.services.notices_resend`)."""
    return (
        Notice.objects.filter(failed_at__isnull=False, sent_at__isnull=True)
        .select_related("recipient")
        .order_by("-failed_at", "-pk")
    )


def notices_unsent() -> QuerySet[Notice]:
    """Notices still to be sent, the one due first at the top."""
    return Notice.objects.pending().select_related("recipient").order_by("next_attempt_at", "pk")


# --- stuck work -------------------------------------------------------------------------
def import_jobs_stuck(*, now: dt.datetime | None = None) -> QuerySet[ImportJob]:
    """Imports queued or running with no sign of life for IMPORT_STALE_AFTER. The resume sweep
    hands a silent job over well before that (and refreshes a queued job's heartbeat when it
    does), so a job listed here means the imports worker or the sweep is not working."""
    now = now or timezone.now()
    silent = Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=now - IMPORT_STALE_AFTER)
    return (
        ImportJob.objects.filter(silent, status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING])
        .select_related("organization")
        .order_by("heartbeat_at", "pk")
    )


def requests_not_reinstated(*, now: dt.datetime | None = None) -> QuerySet[Request]:
    """Approved requests still not reinstated REINSTATEMENT_OVERDUE_AFTER after their approval."""
    now = now or timezone.now()
    return (
        Request.objects.filter(
            status=RequestStatus.APPROVED, updated_at__lt=now - REINSTATEMENT_OVERDUE_AFTER
        )
        .select_related("customer", "vendor")
        .order_by("updated_at", "pk")
    )


# --- the page at once -------------------------------------------------------------------
@dataclass
class Listed:
    """The first ROWS_SHOWN rows of a list and how many there are in all."""

    rows: list[object]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


def _listed(rows: list, total: int | None = None) -> Listed:
    return Listed(rows=rows[:ROWS_SHOWN], total=len(rows) if total is None else total)


@dataclass
class Operations:
    now: dt.datetime
    queues: list[QueueDepth] | None  # None: the broker cannot be reached
    broker_error: str
    jobs: list[PeriodicJobRun]
    counts: NoticeCounts
    failed: Listed
    unsent: Listed
    imports_stuck: Listed
    not_reinstated: Listed
    waiting_too_long: Listed

    @property
    def queue_waiting(self) -> int:
        return sum(depth.waiting for depth in self.queues or ())

    @property
    def a_minute_ago(self) -> dt.datetime:
        return self.now - dt.timedelta(minutes=1)

    @property
    def overdue_before(self) -> dt.datetime:
        """A pending notice due before this is overdue."""
        return self.now - NOTICE_OVERDUE_AFTER

    @property
    def stuck_total(self) -> int:
        return (
            self.imports_stuck.total
            + self.not_reinstated.total
            + self.counts.overdue
            + self.waiting_too_long.total
        )


def operations_overview(*, now: dt.datetime | None = None) -> Operations:
    """Everything the operator's page shows, in a fixed number of queries."""
    now = now or timezone.now()
    try:
        queues, broker_error = queue_depths(), ""
    except BrokerUnavailable as exc:
        queues, broker_error = None, str(exc)
    counts = notice_counts(now=now)
    imports = list(import_jobs_stuck(now=now)[: ROWS_SHOWN + 1])
    approved = list(requests_not_reinstated(now=now)[: ROWS_SHOWN + 1])
    return Operations(
        now=now,
        queues=queues,
        broker_error=broker_error,
        jobs=periodic_job_runs(),
        counts=counts,
        failed=_listed(list(notices_failed()[:ROWS_SHOWN]), counts.failed),
        unsent=_listed(list(notices_unsent()[:ROWS_SHOWN]), counts.pending),
        imports_stuck=_listed(
            imports, None if len(imports) <= ROWS_SHOWN else import_jobs_stuck(now=now).count()
        ),
        not_reinstated=_listed(
            approved, None if len(approved) <= ROWS_SHOWN else requests_not_reinstated(now=now).count()
        ),
        waiting_too_long=_listed(requests_waiting_too_long(now=now)),
    )
