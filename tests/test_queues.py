"""Which queue each task travels on, and that the Procfile and docker-compose.yml start a worker
for every queue. Stated by hand from issue 11: notices, workflow, imports and sweeps are
separate, so a 100,000-row import or a long sweep never delays a welcome notice."""

from pathlib import Path

import pytest

from config.celery_app import app

ROOT = Path(__file__).parents[1]


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("notices.tasks.notice_send", "notices"),
        ("webhooks.tasks.webhook_send", "notices"),
        ("webhooks.tasks.webhooks_send_due", "sweeps"),
        ("contracts.tasks.request_reinstate", "workflow"),
        ("relicensing.tasks.import_job_run", "imports"),
        ("relicensing.tasks.export_job_run", "imports"),
        ("notices.tasks.notices_resend_due", "sweeps"),
        ("contracts.tasks.quotes_expire", "sweeps"),
        ("contracts.tasks.requests_reinstate_due", "sweeps"),
        ("inspections.tasks.inspection_reminders_send", "sweeps"),
        ("contracts.tasks.contracts_expire", "sweeps"),
        ("relicensing.tasks.stale_requests_escalate", "sweeps"),
        ("relicensing.tasks.import_jobs_resume", "sweeps"),
        ("anything.not.routed", "workflow"),
    ],
)
def test_each_task_travels_on_its_queue(task, queue):
    assert app.amqp.router.route({}, task)["queue"].name == queue


def test_beat_sends_every_periodic_job_to_the_sweeps_queue():
    schedule = app.conf.beat_schedule
    assert {
        "notices-resend-due",
        "webhooks-send-due",
        "requests-reinstate-due",
        "import-jobs-resume",
        "quotes-expire",
        "renewal-quotes-expire",
        "inspection-reminders-send",
        "renewal-reminders-send",
        "contracts-expire",
        "stale-requests-escalate",
        "registrations-refresh-past-support",
        "registration-tallies-fold",
        "idempotency-keys-forget",
        "staged-documents-sweep",
        "export-jobs-sweep",
        "insights-work-out",
        "api-keys-expired-delete",
    } == set(schedule)
    assert {entry["options"]["queue"] for entry in schedule.values()} == {"sweeps"}
    assert schedule["quotes-expire"]["schedule"] == 15 * 60


def test_the_procfile_starts_a_worker_for_every_queue():
    procfile = (ROOT / "Procfile").read_text()
    for queue in ("notices", "workflow", "imports", "sweeps"):
        assert f"--queues={queue} " in procfile
    assert procfile.count(" beat ") == 1


def test_delivery_is_at_least_once():
    """A task is acknowledged after it ran, and handed back if its worker dies; one task at a
    time per process, so a dying worker takes no queued task with it."""
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert conf.task_time_limit == 300 and conf.task_soft_time_limit == 240
    # Longer than any task runs and any retry waits (5 min), so a running task is never handed
    # to a second worker.
    assert conf.broker_transport_options["visibility_timeout"] == 3600


def test_a_visibility_timeout_shorter_than_a_task_is_refused(settings):
    from common.checks import broker_outlasts_tasks

    assert broker_outlasts_tasks() == []
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 300}
    [error] = broker_outlasts_tasks()
    assert error.id == "common.E004"
    assert "visibility_timeout (300 s) must exceed the longest task run or retry delay (300 s)" in error.msg
