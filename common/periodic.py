"""The guard every periodic job runs under: one run at a time, and not twice per interval.

Two beat processes (a deploy that briefly overlaps, a second beat started by mistake) each send
every job. Two guards keep that harmless:

- a Postgres session advisory lock on the job's name, held for the whole run: a second run while
  one is in progress returns at once (a run that outlasts its interval is never overlapped). The
  lock belongs to the database session, so a worker killed mid-run frees it;
- a compare-and-set claim on the job's state row: a run starts only if the last one started at
  least half an interval ago, or did not finish (its worker died). A second beat's run arriving
  just after the first finished is skipped.

The jobs themselves stay safe to run twice; the guard saves the work and keeps the operator's
page truthful (`PeriodicJobState`).
"""

import datetime as dt
import logging
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection
from django.db.models import F, Q
from django.utils import timezone

from common import locks
from common.models import PeriodicJobState
from common.schedule import JOBS

logger = logging.getLogger(__name__)

Outcome = PeriodicJobState.Outcome


def periodic_run(*, job: str, work: Callable[[], int | None]) -> int | None:
    """Run `work` as one run of `job`, if no other run holds it; None when skipped."""
    every = JOBS[job].every
    with _held(job) as taken:
        if not taken or not _claim(job, every):
            PeriodicJobState.objects.filter(job=job).update(
                skipped=F("skipped") + 1, last_skipped_at=timezone.now()
            )
            logger.info("Periodic job %s skipped: another run holds it or has just run", job)
            return None
        try:
            result = work()
        except Exception as exc:
            PeriodicJobState.objects.filter(job=job).update(
                outcome=Outcome.FAILED,
                finished_at=timezone.now(),
                error=f"{type(exc).__name__}: {exc}"[:2000],
                failures=F("failures") + 1,
            )
            raise
        finished = timezone.now()
        PeriodicJobState.objects.filter(job=job).update(
            outcome=Outcome.SUCCEEDED,
            finished_at=finished,
            last_succeeded_at=finished,
            result=result,
            error="",
        )
        return result


@contextmanager
def _held(job: str) -> Iterator[bool]:
    """The job's session advisory lock (not a transaction's: the job runs many transactions)."""
    key = zlib.crc32(job.encode()) & 0x7FFFFFFF
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [locks.PERIODIC, key])
        (taken,) = cursor.fetchone()
    try:
        yield bool(taken)
    finally:
        if taken:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [locks.PERIODIC, key])
            except Exception:  # the session is gone (database restarted): so is its lock
                logger.warning("Could not release the lock of periodic job %s", job, exc_info=True)


def _claim(job: str, every: dt.timedelta) -> bool:
    """Compare-and-set: mark a run started unless one started less than half an interval ago and
    finished. Called under the job's lock, so a RUNNING state is a run whose worker died."""
    now = timezone.now()
    PeriodicJobState.objects.get_or_create(job=job, defaults={"started_at": now - every, "runs": 0})
    due = Q(started_at__lte=now - every / 2) | Q(outcome=Outcome.RUNNING)
    return bool(
        PeriodicJobState.objects.filter(due, job=job).update(
            outcome=Outcome.RUNNING, started_at=now, finished_at=None, runs=F("runs") + 1
        )
    )
