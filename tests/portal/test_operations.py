"""The operator's page (/operations/, programme staff only): queue depth read from Redis, the last
run of each periodic job, failed and unsent notices with a re-send, stuck work; and the re-send
service behind its button (notices.services.notices_resend).

Time is frozen on Tuesday 1 December 2026, 09:00 UTC unless a test says otherwise."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from common.errors import Conflict
from common.models import PeriodicJobState
from common.workflow import transition
from config.celery_app import app
from contracts.services.orders import purchase_order_receive, request_approve
from notices.models import Notice
from notices.services import notices_resend
from relicensing.choices import ImportStatus, RequestStatus
from relicensing.models import ImportJob
from tests.contracts.ordering import inspected, prepared
from tests.relicensing.registering import register, text
from tests.relicensing.requesting import open_request

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def tuesday(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def empty_queues():
    """The four queues and the unacknowledged hash emptied before and after (this Redis database is
    the tests' broker)."""
    with app.connection_for_write() as connection:
        channel = connection.default_channel

        def empty():
            for queue in ("notices", "workflow", "imports", "sweeps"):
                channel.client.delete(queue, *(f"{queue}\x06\x16{step}" for step in (3, 6, 9)))
            channel.client.delete(channel.unacked_key, channel.unacked_index_key)

        empty()
        yield connection
        empty()


def notice(person, *, n=1, **fields) -> Notice:
    return Notice.objects.create(
        event="api_token_issued",
        occurrence=f"token:{n}",
        target_type=ContentType.objects.get_for_model(person),
        target_id=person.pk,
        recipient=person,
        to_email=person.email,
        **fields,
    )


def failed(person, n=1) -> Notice:
    return notice(
        person,
        n=n,
        attempts=1,
        failed_at=NOW - dt.timedelta(hours=2),
        last_error="Refused by the mail server: SMTPRecipientsRefused: 550 5.1.1 No such mailbox",
    )


def page(client, user, url="/operations/", data=None):
    client.force_login(user)
    return client.post(url, data) if data is not None else client.get(url)


# --- who may see it -------------------------------------------------------------------
def test_only_programme_staff_open_the_page_or_resend(client, everyone, tuesday):
    """Like every staff page (the approval queue): another role gets the 403 page, nobody is
    signed in goes to the sign-in page."""
    sent_back = failed(everyone["customer"])
    for name in ("customer", "other_customer", "partner", "other_partner", "inspector"):
        assert page(client, everyone[name]).status_code == 403, name
        resend = page(
            client, everyone[name], f"/operations/notices/{sent_back.pk}/resend/", {"confirmed": "yes"}
        )
        assert resend.status_code == 403, name
    sent_back.refresh_from_db()
    assert sent_back.failed_at is not None  # nobody outside staff put it back in the outbox
    client.logout()
    assert client.get("/operations/")["Location"].startswith("/login/")
    assert page(client, everyone["staff"]).status_code == 200


def test_the_menu_offers_operations_to_staff_only(client, staff, customer, inspector, tuesday):
    assert 'href="/operations/"' in text(page(client, staff, "/"))
    for reader in (customer, inspector):
        assert 'href="/operations/"' not in text(page(client, reader, "/"))


# --- queues -------------------------------------------------------------------------------
def test_queue_depth_counts_every_priority_list_and_the_tasks_taken(client, staff, empty_queues, tuesday):
    """Two notices wait (one sent with priority 6: kombu keeps it in `notices\\x06\\x166`), one
    workflow task is taken by a worker and not acknowledged (kombu's `unacked` hash)."""
    app.send_task("notices.tasks.notice_send", args=[1], queue="notices")
    app.send_task("notices.tasks.notice_send", args=[2], queue="notices", priority=6)
    app.send_task("contracts.tasks.request_reinstate", args=[3], queue="workflow")
    taken = empty_queues.default_channel.basic_get("workflow", no_ack=False)
    assert taken is not None
    assert empty_queues.default_channel.client.llen("notices\x06\x166") == 1  # where kombu put it

    shown = text(page(client, staff))

    assert "<strong>notices</strong>" in shown
    rows = shown.split('<table class="table ops-queues">')[1].split("</table>")[0]
    notices_row, workflow_row, imports_row, sweeps_row = rows.split("<tr>")[2:]
    assert "2 waiting" in notices_row and "none</span>" in notices_row
    assert "none waiting" in workflow_row and "1 being worked on" in workflow_row
    assert "none waiting" in imports_row and "none waiting" in sweeps_row
    assert '<span class="stat-n">2</span><span class="stat-l">tasks waiting for a worker</span>' in shown


def test_a_broker_that_does_not_answer_is_said_not_a_crash(client, staff, settings, tuesday):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = page(client, staff)
    assert response.status_code == 200
    assert "Redis, the broker, does not answer, so how much work waits is unknown" in text(response)


# --- periodic jobs ------------------------------------------------------------------------
def test_each_periodic_job_with_its_last_run_in_words(client, staff, tuesday):
    PeriodicJobState.objects.create(
        job="quotes-expire",
        outcome="succeeded",
        started_at=NOW - dt.timedelta(minutes=4),
        finished_at=NOW - dt.timedelta(minutes=4) + dt.timedelta(seconds=3),
        result=7,
        runs=12,
        skipped=2,
        last_skipped_at=NOW - dt.timedelta(minutes=3),
    )
    PeriodicJobState.objects.create(
        job="contracts-expire",
        outcome="failed",
        started_at=NOW - dt.timedelta(minutes=30),
        finished_at=NOW - dt.timedelta(minutes=30),
        error="OperationalError: the database system is starting up",
        runs=5,
        failures=1,
    )
    PeriodicJobState.objects.create(
        job="inspection-reminders-send", outcome="succeeded", started_at=NOW - dt.timedelta(hours=5),
        finished_at=NOW - dt.timedelta(hours=5), result=0, runs=1,
    )  # fmt: skip

    shown = text(page(client, staff))
    row = {name: shown.split(f'id="job-{name}"')[1].split("</tr>")[0] for name in (
        "quotes-expire", "contracts-expire", "staged-documents-sweep", "inspection-reminders-send",
        "notices-resend-due",
    )}  # fmt: skip

    assert "Expires issued quotes past their validity" in row["quotes-expire"]
    assert "every 15 minutes" in row["quotes-expire"]
    assert "started 1 Dec 2026, 08:56 UTC" in row["quotes-expire"]
    assert "(4\xa0minutes ago)</span>, took 3 seconds" in row["quotes-expire"]
    assert "succeeded" in row["quotes-expire"] and "counted 7" in row["quotes-expire"]
    assert (
        "skipped 2 times because another run held it or had just run, last 1 Dec 2026, 08:57 UTC"
        in row["quotes-expire"]
    )
    assert "failed</span>" in row["contracts-expire"]
    assert "OperationalError: the database system is starting up" in row["contracts-expire"]
    assert "1 of 5 runs failed" in row["contracts-expire"]
    assert "every day" in row["staged-documents-sweep"] and "never run" in row["staged-documents-sweep"]
    assert "every minute" in row["notices-resend-due"]
    # Hourly, last started five hours ago: beat or the sweeps worker has stopped.
    assert "late" in row["inspection-reminders-send"] and "late" not in row["quotes-expire"]


# --- notices -------------------------------------------------------------------------------
def test_failed_and_unsent_notices_with_their_error_and_next_try(client, staff, customer, partner, tuesday):
    failed(customer)
    notice(partner, n=2, attempts=3, next_attempt_at=NOW + dt.timedelta(minutes=4),
           last_error="ConnectionRefusedError: [Errno 111] Connection refused")  # fmt: skip
    notice(partner, n=3, next_attempt_at=NOW - dt.timedelta(minutes=20))  # overdue
    notice(customer, n=4, sent_at=NOW - dt.timedelta(hours=1))  # sent: on neither list

    shown = text(page(client, staff))
    failed_part = shown.split('id="failed-notices"')[1].split('id="unsent-notices"')[0]
    unsent_part = shown.split('id="unsent-notices"')[1].split('id="stuck"')[0]

    assert customer.display_name in failed_part and customer.email in failed_part
    assert "An API key was issued" in failed_part
    assert "550 5.1.1 No such mailbox" in failed_part
    assert "1 Dec 2026, 07:00 UTC" in failed_part
    assert "Send again…" in failed_part
    assert "1 in all" in failed_part
    assert "2 in all, 1 overdue" in unsent_part
    assert "Connection refused" in unsent_part and "1 Dec 2026, 09:04 UTC" in unsent_part
    assert unsent_part.count('badge-warn">overdue</span>') == 1
    assert customer.email not in unsent_part
    stuck = shown.split('id="stuck"')[1]
    assert "1 notice still unsent more than 5 minutes after it was due" in stuck


def test_staff_resend_a_failed_notice_after_a_confirmation(
    client, staff, customer, mailbox, tuesday, django_capture_on_commit_callbacks
):
    """The mail server refused it; the address is mended; staff send it again: it arrives once."""
    sent_back = failed(customer)
    url = f"/operations/notices/{sent_back.pk}/resend/"

    question = text(page(client, staff, url, {}))
    assert f"Send this notice to {customer.display_name} again?" in question
    assert "550 5.1.1 No such mailbox" in question
    assert not mailbox

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"confirmed": "yes"}, follow=True)
    assert f"The notice to {customer.display_name} is back in the outbox" in text(response)
    assert len(mailbox) == 1 and mailbox[0]["To"] == customer.email
    sent_back.refresh_from_db()
    assert sent_back.sent_at is not None and sent_back.failed_at is None and sent_back.attempts == 1

    again = client.post(url, {"confirmed": "yes"}, follow=True)
    assert "Not sent again. This notice was sent on 1 Dec 2026, 09:00 UTC; it is not sent twice." in text(
        again
    )
    assert len(mailbox) == 1


def test_the_resend_address_opened_directly_goes_back_to_the_list(client, staff, customer, tuesday):
    sent_back = failed(customer)
    response = page(client, staff, f"/operations/notices/{sent_back.pk}/resend/")
    assert response.status_code == 302 and response["Location"] == "/operations/#failed-notices"
    assert page(client, staff, "/operations/notices/999999/resend/", {"confirmed": "yes"}).status_code == 404


def test_resend_makes_a_failed_notice_pending_with_fresh_attempts(
    staff, customer, tuesday, django_capture_on_commit_callbacks
):
    sent_back = failed(customer)
    Notice.objects.filter(pk=sent_back.pk).update(attempts=8)  # gave up after every retry
    with django_capture_on_commit_callbacks() as dispatched:
        assert notices_resend(notice_id=sent_back.pk, actor=staff) is True
    sent_back.refresh_from_db()
    assert sent_back.failed_at is None and sent_back.attempts == 0
    assert sent_back.next_attempt_at == NOW + dt.timedelta(seconds=30)
    assert len(dispatched) == 1


def test_resend_twice_puts_it_back_once(staff, customer, tuesday, django_capture_on_commit_callbacks):
    """Guard: the compare-and-set on "failed". A second click (or a second member of staff) finds
    it pending already and changes nothing: no second hand-over to the worker, attempts kept."""
    sent_back = failed(customer)
    with django_capture_on_commit_callbacks() as dispatched:
        assert notices_resend(notice_id=sent_back.pk, actor=staff) is True
        Notice.objects.filter(pk=sent_back.pk).update(attempts=2)  # the worker tried meanwhile
        assert notices_resend(notice_id=sent_back.pk, actor=staff) is False
    assert len(dispatched) == 1
    assert Notice.objects.get(pk=sent_back.pk).attempts == 2


def test_a_sent_notice_is_never_resent(staff, customer, tuesday, django_capture_on_commit_callbacks):
    """Guard: "not sent". Even a notice marked both sent and failed (a worker that died between
    the two writes of an older version) stays as it is."""
    delivered = notice(customer, sent_at=NOW - dt.timedelta(hours=1), failed_at=NOW, attempts=1)
    with django_capture_on_commit_callbacks() as dispatched, pytest.raises(Conflict) as refused:
        notices_resend(notice_id=delivered.pk, actor=staff)
    assert refused.value.code == "notice_already_sent"
    assert refused.value.detail == "This notice was sent on 1 Dec 2026, 08:00 UTC; it is not sent twice."
    assert not dispatched
    delivered.refresh_from_db()
    assert delivered.failed_at == NOW


# --- stuck work -------------------------------------------------------------------------------
VISITED = dt.datetime(2026, 12, 7, 15, 0, tzinfo=dt.UTC)  # tests.contracts.ordering's visit day


@pytest.fixture
def approved(frozen_friday, time_machine, juniper, acx2200, customer, partner, staff, inspector):
    """Acme's request inspected on Monday 7 December 2026 at 15:00 (one ACX2200 passed, one failed:
    $4,437), ordered and approved by staff then; the worker never reinstates it (the task the
    approval hands over at commit is not run)."""
    prepared(inspector, juniper)
    request = inspected(
        time_machine,
        customer=customer,
        partner=partner,
        staff=staff,
        inspector=inspector,
        passes=(True, False),
    )
    purchase_order_receive(request=request, user=customer, po_number="PO-7781", amount="4437.00")
    request_approve(request=request, user=staff)
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED
    return request


def test_stuck_work_is_listed(client, staff, customer, acme, approved, time_machine):
    """A request opened Friday 20 November 2026 with Juniper's limit of 5 business days (Monday 23
    to Friday 27 November) is overdue from the next business day, Monday 30 (the escalation
    sweep's rule); an approval is stuck once five minutes pass unreinstated; an import whose
    worker has been silent ten minutes is stuck."""
    time_machine.move_to(dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC), tick=False)
    waiting = open_request(customer, register(customer, "AB12CD34EF58"))
    Notice.objects.update(sent_at=VISITED)  # the workflow's own notices: not what this test is about
    time_machine.move_to(VISITED + dt.timedelta(minutes=4), tick=False)
    assert approved.number not in text(page(client, staff)).split('id="stuck"')[1]  # four minutes: not yet

    time_machine.move_to(VISITED + dt.timedelta(minutes=10), tick=False)
    silent = import_job(acme, customer, "units.csv", minutes_silent=25, rows=(4_000, 100_000))
    import_job(acme, customer, "alive.csv", minutes_silent=1, rows=(2, 10))

    stuck = text(page(client, staff)).split('id="stuck"')[1]

    assert "3 in all" in stuck  # the import, the approval, the waiting request (no notice overdue)
    assert f'href="/equipment/import/{silent.pk}/"' in stuck
    assert (
        "units.csv</a> · Acme Networks · running, 4000 of 100000 rows · last heard 7 Dec 2026, 14:45 UTC"
        in stuck
    )
    assert "alive.csv" not in stuck
    assert (
        f"<code>{approved.number}</code></a> · Acme Networks · Juniper Networks · approved 7 Dec 2026, 15:00 UTC"
    ) in stuck
    assert (
        f"<code>{waiting.number}</code></a> · Acme Networks · submitted since 20 Nov 2026 · Juniper Networks "
        "allows 5 business days; overdue since 30 Nov 2026"
    ) in stuck


def import_job(organization, user, name, *, minutes_silent, rows=(0, 10), running=True) -> ImportJob:
    job = ImportJob.objects.create(
        organization=organization,
        uploaded_by=user,
        original_name=name,
        total_rows=rows[1],
        processed_rows=rows[0],
    )
    if running:
        transition(job, to=ImportStatus.RUNNING, expected_from=ImportStatus.QUEUED)
    ImportJob.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - dt.timedelta(minutes=minutes_silent)
    )
    return job


# --- cost ----------------------------------------------------------------------------------------
PAGE_QUERIES = 11


def test_the_page_costs_the_same_queries_at_one_row_and_at_many(
    client, staff, customer, partner, acme, django_assert_num_queries, tuesday
):
    """Pinned: session, user with its organisation (2), the menu's unread count (1), queue depth
    (none: Redis), the periodic job states (1), notice counts (1), failed and unsent rows with
    their recipients (2), stuck imports (1), approved not reinstated (1), requests waiting on
    the vendor with their last move (1), and the savepoint the request runs in (2)."""
    client.force_login(staff)

    def one_of_each(n):
        failed(customer, n=n)
        notice(partner, n=100 + n, next_attempt_at=NOW - dt.timedelta(minutes=20))
        import_job(acme, customer, f"{n}.csv", minutes_silent=60, running=False)
        PeriodicJobState.objects.get_or_create(job="quotes-expire" if n == 1 else "contracts-expire",
                                               defaults={"started_at": NOW, "outcome": "succeeded"})  # fmt: skip

    one_of_each(1)
    client.get("/operations/")  # warms the content-type cache, as in any running process
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get("/operations/").status_code == 200
    for n in range(2, 8):
        one_of_each(n)
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get("/operations/").status_code == 200
