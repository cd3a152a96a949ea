"""The operator's figures as Prometheus metrics, beside django-prometheus's own, for GET /metrics.

The gauges here are read from Postgres and Redis at scrape time (`OperationsCollector`), so every
web process answers the same figures: nothing is kept in process memory.

django-prometheus's request counters and histograms, on the other hand, live in the memory of the
process that served each request. Under gunicorn with several workers a scrape reaches one worker
and sees its share only. `metrics_exposition()` therefore follows prometheus_client's
multiprocess mode when `PROMETHEUS_MULTIPROC_DIR` is set: every worker writes its samples to
files in that directory and a scrape sums them. Turning it on is the process manager's part: set
`PROMETHEUS_MULTIPROC_DIR` to an empty directory for the web processes (emptied at each start,
before gunicorn loads the application), and call `prometheus_client.multiprocess.mark_process_dead`
from gunicorn's `child_exit` hook. Without it the request counters are per process (Prometheus'
`rate()` still works per instance), and the operator's gauges are unaffected.
"""

import os
from collections.abc import Iterable, Iterator

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from common.models import PeriodicJobState
from portal import operations

OUTCOMES = ("never_run", *PeriodicJobState.Outcome.values)


class OperationsCollector(Collector):
    """Queue depth, notices, periodic jobs and stuck work, as gauges, read afresh at each scrape."""

    def collect(self) -> Iterator[Metric]:
        yield from self._queues()
        counts = operations.notice_counts()
        for name, value, text in (
            ("pending", counts.pending, "Notices not yet sent and not given up on."),
            ("failed", counts.failed, "Notices given up on (refused, cannot be rendered, kept failing)."),
            ("overdue", counts.overdue, "Pending notices due more than five minutes ago."),
        ):
            yield GaugeMetricFamily(f"relicensing_notices_{name}", text, value=value)
        yield from self._periodic_jobs()
        yield GaugeMetricFamily(
            "relicensing_import_jobs_stuck",
            "Imports queued or running with no heartbeat for ten minutes.",
            value=operations.import_jobs_stuck().count(),
        )
        yield GaugeMetricFamily(
            "relicensing_requests_approved_not_reinstated",
            "Approved requests not reinstated five minutes after approval.",
            value=operations.requests_not_reinstated().count(),
        )
        yield GaugeMetricFamily(
            "relicensing_requests_waiting_on_vendor_too_long",
            "Requests waiting on the vendor's side longer than the vendor allows (business days).",
            value=len(operations.requests_waiting_too_long()),
        )

    def _queues(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("relicensing_broker_up", "1 when Redis (the broker) answered this scrape.")
        try:
            depths = operations.queue_depths()
        except operations.BrokerUnavailable:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        messages = GaugeMetricFamily(
            "relicensing_queue_messages",
            "Messages per Celery queue: waiting in Redis, or in progress (taken by a worker, not yet acknowledged).",
            labels=["queue", "state"],
        )
        for depth in depths:
            messages.add_metric([depth.queue, "waiting"], depth.waiting)
            messages.add_metric([depth.queue, "in_progress"], depth.in_progress)
        yield messages

    def _periodic_jobs(self) -> Iterator[Metric]:
        success = GaugeMetricFamily(
            "relicensing_periodic_job_last_success_timestamp_seconds",
            "When the job's last successful run finished (absent before its first success).",
            labels=["job"],
        )
        started = GaugeMetricFamily(
            "relicensing_periodic_job_last_started_timestamp_seconds",
            "When the job's last run started.",
            labels=["job"],
        )
        outcome = GaugeMetricFamily(
            "relicensing_periodic_job_last_outcome",
            "1 for the outcome of the job's last run (never_run, running, succeeded, failed), 0 for the others.",
            labels=["job", "outcome"],
        )
        for run in operations.periodic_job_runs():
            state = run.state
            current = state.outcome if state else "never_run"
            for name in OUTCOMES:
                outcome.add_metric([run.job.name, name], 1 if name == current else 0)
            if state is None:
                continue
            started.add_metric([run.job.name], state.started_at.timestamp())
            if state.last_succeeded_at:
                success.add_metric([run.job.name], state.last_succeeded_at.timestamp())
        yield from (success, started, outcome)


class _Together:
    """Several registries read as one (generate_latest only calls `collect()`)."""

    def __init__(self, *registries: CollectorRegistry) -> None:
        self.registries = registries

    def collect(self) -> Iterable[Metric]:
        for registry in self.registries:
            yield from registry.collect()


OPERATIONS = CollectorRegistry(auto_describe=False)
OPERATIONS.register(OperationsCollector())


def metrics_exposition() -> bytes:
    """django-prometheus's metrics (summed over the web processes in multiprocess mode) and ours,
    in Prometheus's text format."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        process_metrics = CollectorRegistry()
        MultiProcessCollector(process_metrics)
    else:
        process_metrics = REGISTRY
    return generate_latest(_Together(process_metrics, OPERATIONS))  # type: ignore[arg-type]
