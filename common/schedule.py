"""The one list of periodic jobs: what runs, how often, on which queue, and why.

Settings build Celery beat's schedule from it (`beat_schedule()`), the guard
(`common.periodic.periodic_run`) reads each job's interval from it, and the operator's page lists
it. Plain data, importable by settings before Django starts. Every job is set-based and safe to
run twice or in parallel; the guard also stops two beat processes from doubling a run.
"""

import datetime as dt
from dataclasses import dataclass

# Queues: a notice never waits behind an import or a sweep (config/settings/base.py routes them).
NOTICES = "notices"
WORKFLOW = "workflow"  # reinstatement after approval and everything not routed elsewhere
IMPORTS = "imports"
SWEEPS = "sweeps"
QUEUES = (NOTICES, WORKFLOW, IMPORTS, SWEEPS)

# The longest a task waits in the broker before a retry (seconds; config.celery_app). Longer
# delays live in the database and beat picks them up (a notice's next attempt, a quote's expiry).
RETRY_BACKOFF_MAX = 5 * 60


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: str
    every: dt.timedelta
    purpose: str


_MINUTE = dt.timedelta(minutes=1)
_HOUR = dt.timedelta(hours=1)

PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob(
        "notices-resend-due",
        "notices.tasks.notices_resend_due",
        _MINUTE,
        "Hands the worker notices that missed the broker or whose retry after a refusal is due.",
    ),
    PeriodicJob(
        "webhooks-send-due",
        "webhooks.tasks.webhooks_send_due",
        _MINUTE,
        "Posts webhook deliveries that missed the broker, whose retry is due, or whose worker died mid-post.",
    ),
    PeriodicJob(
        "requests-reinstate-due",
        "contracts.tasks.requests_reinstate_due",
        _MINUTE,
        "Reinstates approved requests the worker never got (the broker was down, the worker died).",
    ),
    PeriodicJob(
        "import-jobs-resume",
        "relicensing.tasks.import_jobs_resume",
        _MINUTE,
        "Resumes bulk imports whose worker went silent and re-queues imports nobody picked up.",
    ),
    PeriodicJob(
        "quotes-expire",
        "contracts.tasks.quotes_expire",
        15 * _MINUTE,
        "Expires issued quotes past their validity; the request goes back to submitted.",
    ),
    PeriodicJob(
        "renewal-quotes-expire",
        "contracts.tasks.renewal_quotes_expire",
        15 * _MINUTE,
        "Expires renewal quotes past their validity.",
    ),
    PeriodicJob(
        "inspection-reminders-send",
        "inspections.tasks.inspection_reminders_send",
        _HOUR,
        "Reminds customers and inspectors of tomorrow's visits (once per visit and date).",
    ),
    PeriodicJob(
        "renewal-reminders-send",
        "contracts.tasks.renewal_reminders_send",
        _HOUR,
        "Reminds contract holders at each of the vendor's tiers before a contract ends (once per tier).",
    ),
    PeriodicJob(
        "contracts-expire",
        "contracts.tasks.contracts_expire",
        _HOUR,
        "Records the expiry of contracts that reached their end date unrenewed.",
    ),
    PeriodicJob(
        "stale-requests-escalate",
        "relicensing.tasks.stale_requests_escalate",
        _HOUR,
        "Tells programme staff about requests waiting on the vendor longer than the vendor allows.",
    ),
    PeriodicJob(
        "registrations-refresh-past-support",
        "relicensing.tasks.registrations_refresh_past_support",
        6 * _HOUR,
        "Re-judges registered units whose product passed its end of support.",
    ),
    PeriodicJob(
        "registration-tallies-fold",
        "relicensing.tasks.registration_tallies_fold",
        10 * _MINUTE,
        "Folds each organisation's registration count changes into one row, so dashboards sum a few rows.",
    ),
    PeriodicJob(
        "export-jobs-sweep",
        "relicensing.tasks.export_jobs_sweep",
        10 * _MINUTE,
        "Forgets spreadsheet exports older than a day with their files, and hands over again any that missed the broker.",
    ),
    PeriodicJob(
        "insights-work-out",
        "insights.tasks.insights_work_out",
        10 * _MINUTE,
        "Works out the programme's insights for the last twelve months again, so staff's page opens at once.",
    ),
    PeriodicJob(
        "idempotency-keys-forget",
        "common.tasks.idempotency_keys_forget",
        _HOUR,
        "Forgets API idempotency keys older than a day.",
    ),
    PeriodicJob(
        "api-keys-expired-delete",
        "accounts.tasks.api_keys_expired_delete",
        _HOUR,
        "Deletes API keys past their expiry (a call with one is refused at once).",
    ),
    PeriodicJob(
        "staged-documents-sweep",
        "relicensing.tasks.staged_documents_sweep",
        24 * _HOUR,
        "Deletes uploaded documents never attached to a request.",
    ),
)
JOBS = {job.name: job for job in PERIODIC_JOBS}


def beat_schedule() -> dict[str, dict[str, object]]:
    """Celery beat's schedule. A run that waited longer than its interval in the queue is dropped
    (`expires`): the next one does the same work."""
    return {
        job.name: {
            "task": job.task,
            "schedule": job.every.total_seconds(),
            "kwargs": {},
            "options": {"queue": SWEEPS, "expires": job.every.total_seconds()},
        }
        for job in PERIODIC_JOBS
    }
