"""Long spreadsheet exports written in the background (issue 14, item 4): asked for on the offer
page, written by the real task (eagerly, and once by a real worker), filtered as the list was,
progress shown while it runs, downloaded by its owner alone, a failure leaving a clear error and
no file, a second delivery writing nothing, and a sweep forgetting jobs a day on."""

import datetime as dt
import io
import os
import threading
import time

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from openpyxl import load_workbook

from notices.models import Notice
from relicensing.models import ExportJob
from relicensing.services import exports as services
from tests.relicensing.registering import register, text
from tests.relicensing.test_exports import ACME_ROWS, HEADER

pytestmark = pytest.mark.django_db

NOT_ELIGIBLE = ACME_ROWS[:2]  # FOC1234X56Y (past support) and YY12CD34EF56 (damaged), newest first
FAILED_TEXT = (
    "The spreadsheet could not be written because of an error on our side. Ask for it again, or "
    "download the list as CSV."
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    # Files of each test's jobs alone: job ids start again with each test database.
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def base(customer, other_customer, acx2200, old_cisco, time_machine):
    """As the equipment export's tests have it: Acme's three units and Borealis's one, registered
    a minute apart (newest last), on Monday 7 December 2026."""
    time_machine.move_to(dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC), tick=False)
    register(customer, "AB12CD34EF56", acquired_on=dt.date(2026, 3, 2))
    time_machine.move_to(dt.datetime(2026, 12, 7, 9, 1, tzinfo=dt.UTC), tick=False)
    register(customer, "YY12CD34EF56", condition="damaged", acquired_from='=HYPERLINK("http://x")')
    time_machine.move_to(dt.datetime(2026, 12, 7, 9, 2, tzinfo=dt.UTC), tick=False)
    register(customer, "FOC1234X56Y", vendor="cisco", product="WS-C3750X-48P", acquired_from="@SUM(A1)")
    time_machine.move_to(dt.datetime(2026, 12, 7, 9, 3, tzinfo=dt.UTC), tick=False)
    register(other_customer, "BO12CD34EF56")


def ask(client, user, capture, kind="equipment", query="eligible=no"):
    client.force_login(user)
    with capture(execute=True):  # the task is handed over on commit; eager in tests
        return client.post("/exports/", {"kind": kind, "query": query})


def sheet_rows(content: bytes, title: str = "Equipment") -> list[list]:
    sheet = load_workbook(io.BytesIO(content))[title]
    return [[cell if cell is not None else "" for cell in row] for row in sheet.iter_rows(values_only=True)]


def stored_files(job_id: int) -> list[str]:
    folder = os.path.join(settings.MEDIA_ROOT, "exports", str(job_id))
    return os.listdir(folder) if os.path.isdir(folder) else []


def test_the_job_writes_the_filtered_list_and_its_owner_downloads_it(
    client, base, customer, django_capture_on_commit_callbacks
):
    answer = ask(client, customer, django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/exports/{job.pk}/"
    assert (job.owner, job.kind, job.filters) == (customer, "equipment", {"eligible": ["no"]})
    assert (job.status, job.rows_total, job.rows_done) == ("done", 2, 2)
    assert job.filename == "equipment-2026-12-07.xlsx"

    page = text(client.get(f"/exports/{job.pk}/"))
    assert "Ready" in page and 'http-equiv="refresh"' not in page
    assert f'href="/exports/{job.pk}/download/"' in page
    download = client.get(f"/exports/{job.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="equipment-2026-12-07.xlsx"'
    assert sheet_rows(b"".join(download.streaming_content)) == [HEADER, *NOT_ELIGIBLE]


def test_the_owner_is_told_when_the_spreadsheet_is_ready(
    client, base, customer, django_capture_on_commit_callbacks
):
    ask(client, customer, django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    [notice] = Notice.objects.filter(event="export_finished")
    assert (notice.recipient, notice.link) == (customer, f"/exports/{job.pk}/")
    assert notice.subject == "Your spreadsheet is ready: equipment-2026-12-07.xlsx"
    assert "equipment-2026-12-07.xlsx (2 rows), is ready" in " ".join(notice.render("body.txt").split())
    assert "Your spreadsheet is ready" in text(client.get("/notices/"))
    services.export_job_run(job_id=job.pk)  # a second delivery of the task tells nobody again
    assert Notice.objects.filter(event="export_finished").count() == 1


def test_a_contracts_job_holds_the_lines_of_the_contracts_searched_for(
    client, customer, acme, acx2200, time_machine, django_capture_on_commit_callbacks
):
    from tests.contracts.test_exports import contract

    time_machine.move_to(dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC), tick=False)
    ab, yy = register(customer, "AB12CD34EF56"), register(customer, "YY12CD34EF56")
    contract(acme, "CT-2026-000001", dt.date(2026, 1, 10), dt.date(2027, 1, 9), [yy, ab])
    contract(
        acme,
        "CT-2026-000002",
        dt.date(2026, 2, 10),
        dt.date(2027, 2, 9),
        [register(customer, "ZZ12CD34EF56")],
    )
    ask(client, customer, django_capture_on_commit_callbacks, kind="contracts", query="q=CT-2026-000001")
    job = ExportJob.objects.get()
    assert (job.status, job.rows_total, job.rows_done) == ("done", 2, 2)
    rows = sheet_rows(b"".join(client.get(f"/exports/{job.pk}/download/").streaming_content), "Contracts")
    assert [(row[0], row[7]) for row in rows[1:]] == [
        ("CT-2026-000001", "AB12CD34EF56"),
        ("CT-2026-000001", "YY12CD34EF56"),
    ]


@pytest.mark.parametrize("who", ["other_customer", "partner", "staff"])
def test_only_the_owner_sees_or_downloads_a_job(
    client, base, everyone, django_capture_on_commit_callbacks, who
):
    ask(client, everyone["customer"], django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    client.force_login(everyone[who])
    assert client.get(f"/exports/{job.pk}/").status_code == 404
    assert client.get(f"/exports/{job.pk}/download/").status_code == 404


def test_asking_for_another_list_is_refused(client, customer):
    client.force_login(customer)
    assert client.post("/exports/", {"kind": "users", "query": ""}).status_code == 404
    assert ExportJob.objects.count() == 0


def test_the_page_shows_progress_while_the_worker_writes(client, base, customer, monkeypatch):
    client.force_login(customer)
    job = ExportJob.objects.create(owner=customer, kind="equipment", rows_total=3, filename="equipment.xlsx")
    assert "Queued" in text(client.get(f"/exports/{job.pk}/"))
    monkeypatch.setattr(services, "PROGRESS_EVERY", 1)
    seen: list[str] = []
    write = services.xlsx_write

    def watching(header, rows, *, title, target):
        def rows_then_look():
            for n, row in enumerate(rows, start=1):
                yield row
                if n == 2:
                    seen.append(text(client.get(f"/exports/{job.pk}/")))

        write(header, rows_then_look(), title=title, target=target)

    monkeypatch.setattr(services, "xlsx_write", watching)
    services.export_job_run(job_id=job.pk)
    [page] = seen
    assert "Writing…" in page
    assert "2 of 3 rows (66 %)" in page
    assert '<meta http-equiv="refresh" content="2">' in page
    job.refresh_from_db()
    assert (job.status, job.rows_done) == ("done", 3)


def test_a_failure_leaves_a_clear_error_and_no_half_file(client, base, customer, monkeypatch):
    def breaking(header, rows, *, title, target):
        target.write(b"PK\x03\x04 half a workbook")
        next(iter(rows))
        raise OSError("disk full")

    monkeypatch.setattr(services, "xlsx_write", breaking)
    job = ExportJob.objects.create(owner=customer, kind="equipment", rows_total=3, filename="equipment.xlsx")
    services.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error == FAILED_TEXT
    assert not job.file
    assert stored_files(job.pk) == []
    client.force_login(customer)
    page = text(client.get(f"/exports/{job.pk}/"))
    assert FAILED_TEXT in page and "disk full" not in page
    assert client.get(f"/exports/{job.pk}/download/").status_code == 404
    [notice] = Notice.objects.filter(event="export_finished", recipient=customer)
    assert notice.subject == "Your spreadsheet could not be written: equipment.xlsx"
    assert FAILED_TEXT in " ".join(notice.render("body.txt").split())


def test_a_second_delivery_of_the_task_writes_nothing(base, customer):
    job = ExportJob.objects.create(owner=customer, kind="equipment", rows_total=3, filename="equipment.xlsx")
    assert services.export_job_run(job_id=job.pk).status == "done"
    first = ExportJob.objects.get().file.name
    assert services.export_job_run(job_id=job.pk) is None
    assert ExportJob.objects.get().file.name == first
    assert len(stored_files(job.pk)) == 1


def test_the_sweep_forgets_jobs_older_than_a_day_with_their_files(
    base, customer, time_machine, django_capture_on_commit_callbacks
):
    old = ExportJob.objects.create(owner=customer, kind="equipment", rows_total=3, filename="equipment.xlsx")
    services.export_job_run(job_id=old.pk)
    old_file = ExportJob.objects.get(pk=old.pk).file.name
    assert default_storage.exists(old_file)
    time_machine.move_to(dt.datetime(2026, 12, 8, 9, 30, tzinfo=dt.UTC), tick=False)
    fresh = ExportJob.objects.create(
        owner=customer, kind="equipment", rows_total=3, filename="equipment.xlsx"
    )
    services.export_job_run(job_id=fresh.pk)
    assert services.export_jobs_sweep() == 1
    assert list(ExportJob.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not default_storage.exists(old_file)
    assert default_storage.exists(ExportJob.objects.get().file.name)


def test_the_sweep_is_on_the_schedule():
    from common.schedule import JOBS

    assert JOBS["export-jobs-sweep"].task == "relicensing.tasks.export_jobs_sweep"


def test_the_sweep_hands_over_a_job_that_missed_the_broker(base, customer, time_machine):
    job = ExportJob.objects.create(owner=customer, kind="equipment", rows_total=3, filename="equipment.xlsx")
    time_machine.move_to(dt.datetime(2026, 12, 7, 9, 10, tzinfo=dt.UTC), tick=False)
    services.export_jobs_sweep()  # eager in tests: handed over is run
    assert ExportJob.objects.get(pk=job.pk).status == "done"


@pytest.mark.django_db(transaction=True)
def test_two_runs_racing_for_one_job_write_one_file(base, customer):
    # Proves the claim's compare-and-set (`_claim`: only a queued job, or one whose run outlived
    # the time limit, is taken). Without its status condition both runs write a file.
    job = ExportJob.objects.create(owner=customer, kind="equipment", rows_total=3, filename="equipment.xlsx")
    start = threading.Barrier(2)
    results: list[object] = []

    def run():
        from django.db import connection

        start.wait()
        try:
            results.append(services.export_job_run(job_id=job.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(result is None for result in results) == [False, True]
    assert len(stored_files(job.pk)) == 1


# --- a real worker ------------------------------------------------------------------------
@pytest.fixture
def imports_worker():
    """A Celery worker in this process (a thread, solo pool) consuming the imports queue, where
    export jobs go: the path a job takes in production, not eager mode."""
    from celery.contrib.testing.worker import start_worker

    from config.celery_app import app

    app.conf.task_always_eager = False
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge("imports")
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=["imports"]
        ):
            yield
    finally:
        app.conf.task_always_eager = True


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_writes_the_job(client, base, customer, imports_worker):
    client.force_login(customer)
    answer = client.post("/exports/", {"kind": "equipment", "query": "eligible=no"})
    job = ExportJob.objects.get()
    assert answer["Location"] == f"/exports/{job.pk}/"
    deadline = time.monotonic() + 30
    while ExportJob.objects.get(pk=job.pk).status != "done" and time.monotonic() < deadline:
        time.sleep(0.2)
    job.refresh_from_db()
    assert (job.status, job.rows_done) == ("done", 2)
    download = client.get(f"/exports/{job.pk}/download/")
    assert sheet_rows(b"".join(download.streaming_content)) == [HEADER, *NOT_ELIGIBLE]
