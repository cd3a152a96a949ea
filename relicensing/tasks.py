"""Celery tasks for the relicensing area: bulk imports (on their own queue, see
CELERY_TASK_ROUTES), the import resume sweep and the eligibility sweep."""

from celery import shared_task

from relicensing.services import equipment, imports, requests


@shared_task(name="relicensing.tasks.import_job_run")
def import_job_run(job_id: int) -> None:
    imports.import_job_run(job_id=job_id)


@shared_task(name="relicensing.tasks.import_jobs_resume")
def import_jobs_resume() -> int:
    return imports.import_jobs_resume()


@shared_task(name="relicensing.tasks.registrations_refresh_past_support")
def registrations_refresh_past_support() -> int:
    return equipment.registrations_refresh_past_support()


@shared_task(name="relicensing.tasks.staged_documents_sweep")
def staged_documents_sweep() -> int:
    return requests.staged_documents_sweep()
