"""Import jobs as reliable as the notices outbox: a broker outage at upload loses nothing, a job
whose worker was killed resumes where it stopped, a run given up for dead stops touching the job,
and imports travel on their own queue."""

import datetime as dt
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from kombu.exceptions import OperationalError

from relicensing import tasks
from relicensing.choices import ImportStatus
from relicensing.models import ImportJob, Registration
from relicensing.services import imports
from relicensing.services.imports import jobs as import_jobs
from tests.relicensing.registering import text

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
HEADER = "vendor,serial_number,product,acquisition_channel\n"


def csv_of(count: int) -> bytes:
    return (
        HEADER + "".join(f"juniper,AB12CD{n:06d},ACX2200,secondary_market\n" for n in range(count))
    ).encode()


def upload(client, content: bytes):
    return client.post("/equipment/import/", {"file": SimpleUploadedFile("units.csv", content)})


def moves(job):
    return list(job.transitions.values_list("from_status", "to_status"))


def test_a_broker_outage_at_upload_keeps_the_job_and_the_sweep_starts_it(
    client, customer, acx2200, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(T0, tick=False)
    client.force_login(customer)
    broker_down = mock.patch.object(
        tasks.import_job_run, "delay", side_effect=OperationalError("Redis is down")
    )
    with broker_down, django_capture_on_commit_callbacks(execute=True):
        response = upload(client, csv_of(3))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/equipment/import/{job.pk}/"
    assert job.status == ImportStatus.QUEUED
    page = text(client.get(response["Location"]))
    assert "<h2 data-progress-title>Queued</h2>" in page and "Waiting for an import worker" in page

    time_machine.move_to(T0 + dt.timedelta(minutes=1), tick=False)
    assert imports.import_jobs_resume() == 0  # handed over only minutes ago: give the broker time
    time_machine.move_to(T0 + dt.timedelta(minutes=3), tick=False)
    assert tasks.import_jobs_resume() == 1  # the broker is back; beat runs the sweep, the worker the job
    job.refresh_from_db()
    assert (job.status, job.created_count) == (ImportStatus.DONE, 3)
    assert Registration.objects.count() == 3


class WorkerKilled(BaseException):
    """Stands in for SIGKILL: no `except Exception` in the job runs, nothing is marked failed."""


def test_a_job_whose_worker_was_killed_resumes_after_its_last_chunk(
    customer, acx2200, time_machine, monkeypatch
):
    monkeypatch.setattr(import_jobs, "CHUNK_ROWS", 10)
    time_machine.move_to(T0, tick=False)
    job = imports.import_job_create(
        organization=customer.organization, user=customer, upload=SimpleUploadedFile("units.csv", csv_of(25))
    )

    def killed_after_the_first_chunk(job):
        raise WorkerKilled

    with pytest.raises(WorkerKilled):
        imports.import_job_run(job_id=job.pk, on_chunk=killed_after_the_first_chunk)
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.created_count) == (ImportStatus.RUNNING, 10, 10)

    time_machine.move_to(T0 + dt.timedelta(minutes=5), tick=False)
    assert imports.import_jobs_resume() == 0  # silent for five minutes: maybe only slow
    time_machine.move_to(T0 + dt.timedelta(minutes=11), tick=False)
    assert imports.import_jobs_resume() == 1  # silent past STALE_AFTER: back to the queue, run again
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.created_count, job.already_registered_count) == (
        ImportStatus.DONE,
        25,
        25,
        0,
    )
    assert job.runs == 2
    assert Registration.objects.count() == 25
    assert moves(job) == [
        ("", "queued"),
        ("queued", "running"),
        ("running", "queued"),
        ("queued", "running"),
        ("running", "done"),
    ]
    assert job.transitions.get(from_status="running", to_status="queued").reason == (
        "The worker stopped answering; resuming after row 11."
    )


def test_a_run_given_up_for_dead_stops_without_touching_the_job(customer, acx2200, time_machine, monkeypatch):
    monkeypatch.setattr(import_jobs, "CHUNK_ROWS", 10)
    time_machine.move_to(T0, tick=False)
    job = imports.import_job_create(
        organization=customer.organization, user=customer, upload=SimpleUploadedFile("units.csv", csv_of(25))
    )

    def frozen_then_thawed(job):
        # The first run stalls after its first chunk; the sweep hands the job to a second run,
        # which finishes it. Then the first run wakes up and tries its next chunk.
        if job.runs == 1 and job.processed_rows == 10:
            time_machine.move_to(T0 + dt.timedelta(minutes=11), tick=False)
            imports.import_jobs_resume()

    first = imports.import_job_run(job_id=job.pk, on_chunk=frozen_then_thawed)
    job.refresh_from_db()
    assert first.runs == 2 and job.runs == 2
    assert (job.status, job.processed_rows, job.created_count) == (ImportStatus.DONE, 25, 25)
    assert job.transitions.filter(to_status=ImportStatus.DONE).count() == 1


def test_a_job_handed_over_twice_runs_once(customer, acx2200, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the hand-over at upload runs it (eager)
        job = imports.import_job_create(
            organization=customer.organization,
            user=customer,
            upload=SimpleUploadedFile("units.csv", csv_of(2)),
        )
    assert imports.import_job_run(job_id=job.pk) is None  # a second delivery of the same task
    job.refresh_from_db()
    assert (job.status, job.runs, job.created_count) == (ImportStatus.DONE, 1, 2)


@pytest.mark.parametrize("status", [ImportStatus.QUEUED, ImportStatus.RUNNING])
def test_a_job_from_before_heartbeats_is_resumed_too(customer, acx2200, status):
    """Jobs queued or running when heartbeats were added have none; the sweep counts them as silent."""
    from common.workflow import transition

    job = imports.import_job_create(
        organization=customer.organization, user=customer, upload=SimpleUploadedFile("u.csv", csv_of(2))
    )
    if status == ImportStatus.RUNNING:
        transition(job, to=ImportStatus.RUNNING)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=None)
    imports.import_jobs_resume()  # a running one goes back to the queue and is handed over
    job.refresh_from_db()
    assert (job.status, job.created_count) == (ImportStatus.DONE, 2)


def test_a_run_out_of_time_hands_the_rest_to_a_new_run(
    customer, acx2200, monkeypatch, django_capture_on_commit_callbacks
):
    from celery.exceptions import SoftTimeLimitExceeded

    monkeypatch.setattr(import_jobs, "CHUNK_ROWS", 10)
    job = imports.import_job_create(
        organization=customer.organization, user=customer, upload=SimpleUploadedFile("units.csv", csv_of(25))
    )
    calls = []

    def time_runs_out_once(job):
        calls.append(job.runs)
        if len(calls) == 1:
            raise SoftTimeLimitExceeded()

    with django_capture_on_commit_callbacks(execute=True):  # the new run starts at commit (eager)
        imports.import_job_run(job_id=job.pk, on_chunk=time_runs_out_once)
    job.refresh_from_db()
    assert (job.status, job.runs, job.created_count) == (ImportStatus.DONE, 2, 25)
    assert job.transitions.get(from_status="running", to_status="queued").reason == (
        "The worker's time ran out; resuming after row 11."
    )


def test_an_uploader_who_may_no_longer_register_fails_the_job_with_the_reason(
    other_partner, acx2200, borealis
):
    # The partner stopped serving the customer between the upload and the run.
    from accounts.models import Partnership

    job = imports.import_job_create(
        organization=borealis, user=other_partner, upload=SimpleUploadedFile("u.csv", csv_of(2))
    )
    Partnership.objects.filter(partner=other_partner.organization, customer=borealis).delete()
    imports.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert job.error == "Equipment is registered by its owner, the owner's partner or programme staff."
    assert not Registration.objects.exists()
