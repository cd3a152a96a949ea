"""The transition engine: statuses change only through it, each move leaves a row, sweeps move by
compare-and-set, a closing request withdraws its open quote, and two claims of one job race."""

import pytest

from common.errors import Conflict
from common.models import Transition
from common.workflow import StatusWriteRefused, WorkflowQuerySet, transition
from contracts.choices import QuoteStatus
from contracts.services.quotes import quote_accept, quote_issue
from relicensing.choices import ImportStatus, RequestStatus
from relicensing.models import ImportJob, Request
from relicensing.services.requests import request_cancel, request_reject
from tests.races import race
from tests.relicensing.registering import register
from tests.relicensing.requesting import open_request


@pytest.fixture
def job(db, acme):
    return ImportJob.objects.create(organization=acme, original_name="units.csv", total_rows=1)


@pytest.fixture
def quoted(customer, partner, acx2200, frozen_friday):
    request = open_request(customer, register(customer))
    return request, quote_issue(request=request, user=partner)


# --- nobody sets a status but the engine ---------------------------------------------------
def test_a_record_is_created_in_its_first_status_only(acme):
    with pytest.raises(StatusWriteRefused):
        ImportJob.objects.create(organization=acme, original_name="x.csv", status=ImportStatus.DONE)


def test_save_refuses_a_changed_status(job):
    job.status = ImportStatus.DONE
    with pytest.raises(StatusWriteRefused):
        job.save()
    with pytest.raises(StatusWriteRefused):
        job.save(update_fields=["original_name"])


def test_update_and_bulk_update_refuse_a_status(job):
    with pytest.raises(StatusWriteRefused):
        ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.DONE)
    with pytest.raises(StatusWriteRefused):
        ImportJob.objects.bulk_update([job], ["status"])
    job.refresh_from_db()
    assert job.status == ImportStatus.QUEUED


def test_other_fields_save_as_usual(job):
    job.original_name = "renamed.csv"
    job.save()
    transition(job, to=ImportStatus.RUNNING)
    job.processed_rows = 1
    job.save(update_fields=["processed_rows"])  # the engine left the instance in step with the row
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.original_name) == ("running", 1, "renamed.csv")


# --- moves ----------------------------------------------------------------------------------
def test_a_move_writes_one_row_with_actor_and_reason(job, customer):
    moved = transition(job, to=ImportStatus.RUNNING, actor=customer, reason="A worker claimed it.")
    assert (moved.from_status, moved.to_status, moved.actor, moved.reason) == (
        "queued",
        "running",
        customer,
        "A worker claimed it.",
    )
    assert list(job.transitions.values_list("from_status", "to_status")) == [("queued", "running")]
    assert moved.to_label == "Running" and moved.from_label == "Queued"


def test_a_move_the_table_lacks_is_a_409_and_writes_nothing(job):
    with pytest.raises(Conflict) as refused:
        transition(job, to=ImportStatus.DONE)
    assert refused.value.code == "invalid_transition"
    assert refused.value.detail == f"Import job Import {job.pk} (units.csv) is queued; it cannot become done."
    assert not Transition.objects.exists()


def test_compare_and_set_leaves_a_record_that_moved_on(job):
    transition(job, to=ImportStatus.RUNNING)
    assert transition(job, to=ImportStatus.RUNNING, expected_from=ImportStatus.QUEUED) is None
    assert job.transitions.count() == 1


# --- a child follows its parent ----------------------------------------------------------
def test_cancelling_a_request_withdraws_its_issued_quote(quoted, customer, client):
    request, quote = quoted
    client.force_login(customer)
    accept_form = f'action="/quotes/{quote.pk}/accept/"'
    assert accept_form in client.get(f"/quotes/{quote.pk}/").content.decode()
    request_cancel(request=request, user=customer, reason="Bought new instead")
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.WITHDRAWN
    withdrawn = quote.transitions.get(to_status=QuoteStatus.WITHDRAWN)
    assert (withdrawn.from_status, withdrawn.actor) == (QuoteStatus.ISSUED, customer)
    assert withdrawn.reason == "The request was cancelled. Bought new instead"
    # The review found the quote page still offering Accept: it does not, and accepting is a 409.
    page = client.get(f"/quotes/{quote.pk}/").content.decode()
    assert "Withdrawn with its request" in page and accept_form not in page
    with pytest.raises(Conflict):
        quote_accept(quote=quote, user=customer)


def test_rejecting_a_request_withdraws_its_issued_quote(quoted, staff):
    request, quote = quoted
    request_reject(request=request, user=staff, reason="Serial under investigation")
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.WITHDRAWN


def test_an_accepted_quote_stays_accepted_when_its_request_is_cancelled(quoted, customer):
    request, quote = quoted
    quote_accept(quote=quote, user=customer)
    request_cancel(request=request, user=customer)
    quote.refresh_from_db()
    request.refresh_from_db()
    assert (request.status, quote.status) == (RequestStatus.CANCELLED, QuoteStatus.ACCEPTED)


def test_a_superseded_quote_is_left_alone(quoted, customer, partner):
    request, first = quoted
    second = quote_issue(request=request, user=partner)
    request_cancel(request=request, user=customer)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (QuoteStatus.SUPERSEDED, QuoteStatus.WITHDRAWN)
    assert Request.objects.get(pk=request.pk).status == RequestStatus.CANCELLED


# --- two claims of one job ------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_one_job_at_once_claim_it_once(acme):
    # Guard: the engine's FOR UPDATE on the record before it compares the status. Without it
    # both read "queued", both pass the compare-and-set, and the job runs twice.
    job = ImportJob.objects.create(organization=acme, original_name="units.csv", total_rows=1)
    first, second = race(
        lambda: transition(job, to=ImportStatus.RUNNING, expected_from=ImportStatus.QUEUED),
        lambda: transition(job, to=ImportStatus.RUNNING, expected_from=ImportStatus.QUEUED),
        pause_at=[(WorkflowQuerySet, "_status_write")],
    )
    assert first.ok and second.ok
    assert sorted(o.value is None for o in (first, second)) == [False, True]
    assert job.transitions.filter(to_status=ImportStatus.RUNNING).count() == 1


# --- found by review: other ways a status could be written -------------------------------
def test_a_stale_full_save_cannot_put_an_old_status_back(job):
    stale = ImportJob.objects.get(pk=job.pk)  # loaded before the worker claims it
    transition(job, to=ImportStatus.RUNNING)
    stale.original_name = "renamed.csv"
    stale.save()  # writes every field but the status
    job.refresh_from_db()
    assert (job.status, job.original_name) == (ImportStatus.RUNNING, "renamed.csv")


def test_bulk_create_and_the_base_manager_refuse_a_status(job, acme):
    with pytest.raises(StatusWriteRefused):
        ImportJob.objects.bulk_create(
            [ImportJob(organization=acme, original_name="x.csv", status=ImportStatus.DONE)]
        )
    with pytest.raises(StatusWriteRefused):
        ImportJob._base_manager.filter(pk=job.pk).update(status=ImportStatus.DONE)


def test_import_jobs_are_view_only_in_the_admin(admin_client, job):
    assert admin_client.get(f"/admin/relicensing/importjob/{job.pk}/change/").status_code == 200
    assert (
        admin_client.post(f"/admin/relicensing/importjob/{job.pk}/change/", {"_save": "Save"}).status_code
        == 403
    )
    assert (
        admin_client.post(f"/admin/relicensing/importjob/{job.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
