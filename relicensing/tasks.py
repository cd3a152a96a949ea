"""Celery tasks for the relicensing area: bulk imports and long spreadsheet exports (on the imports
queue) and the periodic sweeps (common.schedule): imports to resume, eligibility past end of
support, abandoned uploads, requests waiting too long on the vendor, exports to forget."""

from celery import shared_task

from common.periodic import periodic_run
from relicensing.services import equipment, escalation, exports, imports, requests, tallies


@shared_task(name="relicensing.tasks.import_job_run")
def import_job_run(job_id: int) -> None:
    imports.import_job_run(job_id=job_id)


@shared_task(name="relicensing.tasks.import_jobs_resume")
def import_jobs_resume() -> int | None:
    return periodic_run(job="import-jobs-resume", work=imports.import_jobs_resume)


@shared_task(name="relicensing.tasks.registrations_refresh_past_support")
def registrations_refresh_past_support() -> int | None:
    return periodic_run(
        job="registrations-refresh-past-support", work=equipment.registrations_refresh_past_support
    )


@shared_task(name="relicensing.tasks.staged_documents_sweep")
def staged_documents_sweep() -> int | None:
    return periodic_run(job="staged-documents-sweep", work=requests.staged_documents_sweep)


@shared_task(name="relicensing.tasks.stale_requests_escalate")
def stale_requests_escalate() -> int | None:
    return periodic_run(job="stale-requests-escalate", work=escalation.stale_requests_escalate)


@shared_task(name="relicensing.tasks.registration_tallies_fold")
def registration_tallies_fold() -> int | None:
    return periodic_run(job="registration-tallies-fold", work=tallies.registration_tallies_fold)


@shared_task(
    name="relicensing.tasks.export_job_run",
    soft_time_limit=exports.EXPORT_SOFT_TIME_LIMIT,
    time_limit=exports.EXPORT_TIME_LIMIT,
)
def export_job_run(job_id: int) -> None:
    exports.export_job_run(job_id=job_id)


@shared_task(name="relicensing.tasks.export_jobs_sweep")
def export_jobs_sweep() -> int | None:
    return periodic_run(job="export-jobs-sweep", work=exports.export_jobs_sweep)
