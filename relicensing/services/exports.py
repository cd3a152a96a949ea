"""Spreadsheet exports too long to write while the person waits: the job is asked for on the
export's page, a worker writes the file (openpyxl's write-only workbook, rows through a cursor)
and stores it, the owner watches its progress and downloads it, and a sweep forgets it a day on.

A job is claimed by compare-and-set, so a second delivery of the task (acks_late, a worker lost)
writes nothing twice; the file reaches storage only once every row is written, so a failed job
leaves an error and no half file. Progress lives in the cache while the job runs: the rows are
read inside one transaction (the cursor streams only inside one), which would hide progress
written to the job's row until the end."""

import datetime as dt
import logging
import tempfile
from collections.abc import Generator, Iterable

from celery.exceptions import SoftTimeLimitExceeded
from django.core.cache import cache
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.models import User
from common.errors import InvalidInput
from common.paging import count_bounded
from notices.events import NoticeEvent
from notices.services import notice_create
from relicensing.exports import ExportSource, Row, export_filename, xlsx_write
from relicensing.models import ExportJob
from relicensing.models.exports import ExportKind, ExportStatus

logger = logging.getLogger(__name__)

# Where each kind's rows come from. By name: contracts sit above relicensing, which imports none of it.
EXPORT_SOURCES = {
    ExportKind.EQUIPMENT: "relicensing.exports.equipment_export_source",
    ExportKind.CONTRACTS: "contracts.exports.contract_export_source",
}
# openpyxl writes about 3,000 rows a second: 500,000 rows take about three minutes.
EXPORT_SOFT_TIME_LIMIT = 20 * 60
EXPORT_TIME_LIMIT = EXPORT_SOFT_TIME_LIMIT + 60
PROGRESS_EVERY = 2000  # rows between two progress reports
EXPORT_KEPT = dt.timedelta(days=1)
QUEUED_PATIENCE = dt.timedelta(minutes=5)  # a job queued longer missed the broker: hand it over again

FAILED_TEXT = "The spreadsheet could not be written because of an error on our side. Ask for it again, or download the list as CSV."
TOO_LONG_TEXT = (
    f"Writing the spreadsheet took longer than {EXPORT_SOFT_TIME_LIMIT // 60} minutes. Narrow the list "
    "with the filters, or download it as CSV, which streams at any length."
)

WORKER_LOST_TEXT = "The worker writing the spreadsheet stopped before it finished. Ask for it again."


def export_source(*, kind: str, user: User, params: QueryDict) -> ExportSource:
    if kind not in EXPORT_SOURCES:
        raise InvalidInput({"kind": ["Choose the equipment or the contracts list."]})
    return import_string(EXPORT_SOURCES[ExportKind(kind)])(user=user, params=params)


def export_job_create(*, user: User, kind: str, query: str) -> ExportJob:
    """A job for the list `kind` as `user` sees it with the page's query string; the worker is
    handed it once this transaction commits."""
    params = QueryDict(query)
    source = export_source(kind=kind, user=user, params=params)
    job = ExportJob.objects.create(
        owner=user,
        kind=kind,
        filters=dict(params.lists()),
        rows_total=count_bounded(source.counted).n,
        filename=export_filename(source.stem, "xlsx"),
    )
    transaction.on_commit(lambda: export_jobs_dispatch([job.pk]))
    return job


def export_jobs_dispatch(job_ids: list[int]) -> None:
    """Hand jobs to the workers. With the broker down a job stays queued (its page says so) and
    the sweep hands it over again."""
    from relicensing.tasks import export_job_run as task

    for job_id in job_ids:
        try:
            task.delay(job_id)
        except Exception:  # kombu raises several types when Redis is unreachable
            logger.warning("Broker unreachable; export job %s stays queued", job_id)
            return


def _progress_key(job_id: int) -> str:
    return f"export-job:{job_id}:rows-done"


def export_job_rows_done(job: ExportJob) -> int:
    """How many rows are written: the worker's last report while it runs, the job's own count after."""
    if job.status == ExportStatus.RUNNING:
        return int(cache.get(_progress_key(job.pk)) or 0)
    return job.rows_done


def _reporting(rows: Iterable[Row], job_id: int, written: list[int]) -> Generator[Row, None, None]:
    """The rows, counted into `written[0]` and reported every PROGRESS_EVERY rows."""
    for row in rows:
        written[0] += 1
        if written[0] % PROGRESS_EVERY == 0:
            cache.set(_progress_key(job_id), written[0], timeout=EXPORT_TIME_LIMIT)
        yield row


def _claim(job_id: int) -> dt.datetime | None:
    """Compare-and-set: a queued job, or one whose run outlived the hard time limit, becomes this
    run's. None when another run has it or it is finished."""
    now = timezone.now()
    claimed = (
        ExportJob.objects.filter(pk=job_id)
        .filter(
            Q(status=ExportStatus.QUEUED)
            | Q(status=ExportStatus.RUNNING, started_at__lt=now - dt.timedelta(seconds=EXPORT_TIME_LIMIT))
        )
        .update(status=ExportStatus.RUNNING, started_at=now, rows_done=0, error="")
    )
    return now if claimed else None


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Write the job's spreadsheet and store it. Safe to run twice: a run that does not claim the
    job does nothing."""
    started = _claim(job_id)
    if started is None:
        return None
    job = ExportJob.objects.select_related("owner").get(pk=job_id)
    stored = ""
    try:
        source = export_source(kind=job.kind, user=job.owner, params=_params(job.filters))
        written = [0]
        rows = _reporting(source.rows, job.pk, written)
        with tempfile.TemporaryFile(suffix=".xlsx") as target:
            with transaction.atomic():  # the cursor streams inside a transaction
                try:
                    xlsx_write(source.header, rows, title=source.title, target=target)
                finally:
                    # A writer stopped halfway leaves the cursor open: closed here, inside its transaction.
                    rows.close()
                    getattr(source.rows, "close", lambda: None)()
            target.seek(0)
            stored = default_storage.save(f"exports/{job.pk}/{job.filename}", File(target, name=job.filename))
        with transaction.atomic():
            finished = ExportJob.objects.filter(
                pk=job.pk, status=ExportStatus.RUNNING, started_at=started
            ).update(status=ExportStatus.DONE, file=stored, rows_done=written[0], finished_at=timezone.now())
            if finished:
                _owner_tell(job, ready=True, rows=written[0])
        if not finished:  # given up for dead and taken over meanwhile: the other run's file counts
            default_storage.delete(stored)
    except Exception as exc:
        if stored:
            default_storage.delete(stored)
        too_long = isinstance(exc, SoftTimeLimitExceeded)
        if not too_long:
            logger.exception("Export job %s failed", job.pk)
        with transaction.atomic():
            failed = ExportJob.objects.filter(
                pk=job.pk, status=ExportStatus.RUNNING, started_at=started
            ).update(
                status=ExportStatus.FAILED,
                error=TOO_LONG_TEXT if too_long else FAILED_TEXT,
                rows_done=export_job_rows_done(job),
                finished_at=timezone.now(),
            )
            if failed:
                _owner_tell(job, ready=False, error=TOO_LONG_TEXT if too_long else FAILED_TEXT)
    finally:
        cache.delete(_progress_key(job.pk))
    job.refresh_from_db()
    return job


def _owner_tell(job: ExportJob, *, ready: bool, rows: int = 0, error: str = "") -> None:
    """The person who asked hears that the spreadsheet is ready (or is not coming), in the
    transaction that records it: they need not keep its page open."""
    notice_create(
        event=NoticeEvent.EXPORT_FINISHED,
        occurrence=f"export:{job.pk}",
        target=job,
        recipients=[job.owner],
        context={"ready": ready, "filename": job.filename, "rows": f"{rows:,}", "error": error},
        link=f"/exports/{job.pk}/",
    )


def _params(filters: dict[str, list[str]]) -> QueryDict:
    params = QueryDict(mutable=True)
    for name, values in filters.items():
        params.setlist(name, values)
    return params


def export_jobs_sweep() -> int:
    """Forget jobs older than a day (rows first, then their files, so no page links to a missing
    file), fail runs that outlived the hard time limit, hand over again jobs that missed the
    broker. Safe to overlap: each step is one statement guarded by status and time."""
    now = timezone.now()
    old = ExportJob.objects.filter(created_at__lt=now - EXPORT_KEPT)
    files = list(old.exclude(file="").values_list("file", flat=True))
    forgotten, _ = old.delete()
    for name in files:
        default_storage.delete(name)
    ExportJob.objects.filter(
        status=ExportStatus.RUNNING, started_at__lt=now - dt.timedelta(seconds=2 * EXPORT_TIME_LIMIT)
    ).update(status=ExportStatus.FAILED, error=WORKER_LOST_TEXT, finished_at=now)
    stuck = list(
        ExportJob.objects.filter(
            status=ExportStatus.QUEUED, created_at__lt=now - QUEUED_PATIENCE
        ).values_list("pk", flat=True)
    )
    export_jobs_dispatch(stuck)
    return forgotten
