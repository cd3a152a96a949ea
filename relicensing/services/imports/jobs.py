"""Import jobs, the page's path for any file: an ImportJob run by a worker on its own queue, in
chunks that commit with the job's progress, so progress shows, a failure halfway loses no finished
chunk, and a job whose worker died resumes where it stopped. A job the broker never received (it
was down at upload) waits, queued, for the sweep."""

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Organization, User
from accounts.permissions import action_require
from common.errors import ServiceError
from common.workflow import transition, transition_start
from relicensing.choices import ImportStatus
from relicensing.models import ImportJob
from relicensing.services.imports.files import rows_read
from relicensing.services.imports.registrations import registrations_import
from relicensing.services.imports.rows import Catalog, rows_check

logger = logging.getLogger(__name__)

CHUNK_ROWS = 5_000
# A running job shows a heartbeat at every chunk (seconds apart); one silent this long lost its worker.
STALE_AFTER = dt.timedelta(minutes=10)
# A queued job is handed to the broker at upload; the sweep hands it over again after this.
REDISPATCH_AFTER = dt.timedelta(minutes=2)


def import_job_create(*, organization: Organization, user: User, upload: Any) -> ImportJob:
    """Check the file now (clear 400s), queue the work for a worker after commit."""
    action_require(user, "registration_create", organization)
    content = upload.read()
    rows = rows_read(content=content, filename=upload.name)
    upload.seek(0)
    job = ImportJob.objects.create(
        organization=organization,
        uploaded_by=user,
        file=upload,
        original_name=upload.name[:255],
        total_rows=len(rows),
        heartbeat_at=timezone.now(),
    )
    transition_start(job, actor=user)
    transaction.on_commit(lambda: import_jobs_dispatch([job.pk]))
    return job


def import_jobs_dispatch(job_ids: Iterable[int]) -> None:
    """Hand jobs to the import workers. With the broker down the job stays queued (the page shows
    it waiting) and `import_jobs_resume` hands it over once the broker is back."""
    from relicensing.tasks import import_job_run as task

    for job_id in job_ids:
        try:
            task.delay(job_id)
        except Exception:  # kombu raises several types when Redis is unreachable
            logger.warning("Broker unreachable; import job %s stays queued", job_id)
            return


def import_job_run(*, job_id: int, on_chunk: Callable[[ImportJob], None] | None = None) -> ImportJob | None:
    """Claim a queued job (compare-and-set: only one worker runs it) and import it in chunks,
    from the first row not yet imported. Safe to run twice."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return None
    with transaction.atomic():
        if transition(job, to=ImportStatus.RUNNING, expected_from=ImportStatus.QUEUED) is None:
            return None
        ImportJob.objects.filter(pk=job_id).update(runs=F("runs") + 1, heartbeat_at=timezone.now())
    job = ImportJob.objects.select_related("organization", "uploaded_by").get(pk=job_id)
    try:
        _job_chunks_import(job, on_chunk)
    except _Superseded:
        logger.warning("Import job %s run %s was superseded by a later run; it stops", job.pk, job.runs)
    except SoftTimeLimitExceeded:
        _job_requeue(job, reason=f"The worker's time ran out; resuming after row {job.processed_rows + 1}.")
    except ServiceError as exc:  # a file that cannot be read; an uploader who may no longer register
        _job_finish(job, ImportStatus.FAILED, error=exc.detail)
    except Exception:
        _job_finish(
            job, ImportStatus.FAILED, error="The import stopped unexpectedly; rows already imported are kept."
        )
        raise
    else:
        _job_finish(job, ImportStatus.DONE)
    job.refresh_from_db()
    return job


def _job_chunks_import(job: ImportJob, on_chunk: Callable[[ImportJob], None] | None) -> None:
    with job.file.open("rb") as handle:
        rows = rows_read(content=handle.read(), filename=job.original_name)
    catalog, seen = Catalog(), dict[tuple[int, str], int]()
    # A resumed job: the rows before processed_rows are in; only remember their serials.
    rows_check(rows[: job.processed_rows], seen=seen, catalog=catalog, rejected=[])
    for start in range(job.processed_rows, len(rows), CHUNK_ROWS):
        chunk = rows[start : start + CHUNK_ROWS]
        with transaction.atomic():  # the chunk and the progress that counts it commit together
            if not _still_mine(job):
                raise _Superseded
            result = registrations_import(
                organization=job.organization, user=job.uploaded_by, rows=chunk, seen=seen, catalog=catalog
            )
            job.processed_rows = start + len(chunk)
            job.created_count += result.created
            job.already_registered_count += result.already_registered
            job.rejected = job.rejected + result.rejected
            job.heartbeat_at = timezone.now()
            job.save(
                update_fields=[
                    "processed_rows",
                    "created_count",
                    "already_registered_count",
                    "rejected",
                    "heartbeat_at",
                ]
            )
        if on_chunk:
            on_chunk(job)


class _Superseded(Exception):
    """This run was given up for dead and the job handed to another run: stop, touch nothing."""


def _still_mine(job: ImportJob) -> bool:
    current = ImportJob.objects.select_for_update().filter(pk=job.pk).values_list("status", "runs").get()
    return current == (ImportStatus.RUNNING, job.runs)


def _job_requeue(job: ImportJob, *, reason: str) -> None:
    """Back to the queue, to go on from the last committed chunk in a new run."""
    with transaction.atomic():
        if _still_mine(job) and transition(
            job, to=ImportStatus.QUEUED, expected_from=ImportStatus.RUNNING, reason=reason
        ):
            transaction.on_commit(lambda: import_jobs_dispatch([job.pk]))


def _job_finish(job: ImportJob, status: ImportStatus, *, error: str = "") -> None:
    with transaction.atomic():
        if not _still_mine(job):
            return
        job.error, job.finished_at = error, timezone.now()
        job.save(update_fields=["error", "finished_at"])
        transition(job, to=status, expected_from=ImportStatus.RUNNING, reason=error)


def import_jobs_resume(*, now: dt.datetime | None = None) -> int:
    """Sweep: a running job whose worker went silent goes back to the queue (it resumes from its
    last committed chunk), and queued jobs the broker never delivered are handed over again.
    Compare-and-set moves, so overlapping runs are harmless; returns how many jobs were handed over."""
    now = now or timezone.now()
    silent = Q(heartbeat_at__isnull=True)  # none recorded: a job from before heartbeats existed
    for job in ImportJob.objects.filter(
        silent | Q(heartbeat_at__lt=now - STALE_AFTER), status=ImportStatus.RUNNING
    ):
        transition(
            job,
            to=ImportStatus.QUEUED,
            expected_from=ImportStatus.RUNNING,
            reason=f"The worker stopped answering; resuming after row {job.processed_rows + 1}.",
        )
    waiting = list(
        ImportJob.objects.filter(
            silent | Q(heartbeat_at__lt=now - REDISPATCH_AFTER), status=ImportStatus.QUEUED
        ).values_list("pk", flat=True)
    )
    ImportJob.objects.filter(pk__in=waiting).update(heartbeat_at=now)
    import_jobs_dispatch(waiting)
    return len(waiting)
