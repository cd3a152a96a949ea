"""The request wizard's drafts, kept on the server per person: they survive signing out and a
new browser, nobody else ever sees them, discarding deletes their proofs, and the sweep keeps a
live draft's files while deleting abandoned drafts with theirs."""

import datetime as dt
import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from portal.views.request_draft import Draft
from relicensing.models import Request, RequestDraft
from relicensing.services.drafts import request_draft_save, staged_document_save
from relicensing.services.requests import staged_documents_sweep
from tests.factories import UserFactory
from tests.relicensing.registering import register, text
from tests.relicensing.requesting import PDF, PREFERRED, SITE, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)  # the sweep walks every staged file: only this test's


@pytest.fixture
def chassis(customer, acx2200, frozen_friday):
    return register(customer)


def step(client, name, data=None):
    url = f"/requests/new/{name}/"
    return client.post(url, data) if data is not None else client.get(url)


def start_draft(client, chassis, *, proof=True):
    """Answers up to the documents step, with a proof staged; returns the staged file's path."""
    step(client, "equipment", {"equipment": [chassis.pk]})
    step(client, "site", SITE)
    step(client, "date", {"preferred_inspection_date": PREFERRED.isoformat()})
    if proof:
        step(client, "documents", {"proof_of_purchase": pdf()})
        return RequestDraft.objects.get().data["documents"][0]["path"]
    return ""


def test_a_draft_resumes_after_signing_out_and_in(client, customer, chassis):
    client.force_login(customer)
    staged = start_draft(client, chassis)
    client.post("/logout/")
    assert client.get("/requests/new/").status_code == 302  # to the sign-in page
    client.force_login(customer)
    assert client.get("/requests/new/").url == "/requests/new/review/"  # where they were
    review = text(step(client, "review"))
    assert "AB12CD34EF56" in review and "Acme HQ" in review and "invoice.pdf" in review
    assert default_storage.exists(staged)


def test_a_draft_follows_the_person_to_another_browser(client, customer, chassis):
    client.force_login(customer)
    start_draft(client, chassis)
    elsewhere = Client()
    elsewhere.force_login(customer)
    assert elsewhere.get("/requests/new/").url == "/requests/new/review/"
    assert 'value="Acme HQ"' in text(step(elsewhere, "site"))
    assert step(elsewhere, "review", {}).status_code == 302  # and submits from there
    assert not RequestDraft.objects.exists()


def test_nobody_else_sees_a_persons_draft(client, customer, other_customer, partner, chassis):
    client.force_login(customer)
    staged = start_draft(client, chassis)
    colleague = UserFactory(username="colleague", organization=customer.organization, role="customer")
    for someone in (colleague, other_customer, partner):
        browser = Client()
        browser.force_login(someone)
        start = browser.get("/requests/new/").url
        assert start in ("/requests/new/equipment/", "/requests/new/customer/")
        page = text(browser.get(start))
        assert "Acme HQ" not in page and "invoice.pdf" not in page and "Discard draft" not in page
        browser.post("/requests/new/discard/")  # discards only their own (empty) draft
    assert RequestDraft.objects.filter(user=customer).exists() and default_storage.exists(staged)
    assert not RequestDraft.objects.exclude(user=customer).exists()


def test_opening_the_wizard_stores_nothing_until_an_answer(client, customer, chassis):
    client.force_login(customer)
    client.get("/requests/new/")
    step(client, "equipment")
    assert not RequestDraft.objects.exists()
    step(client, "equipment", {"equipment": [chassis.pk]})
    assert RequestDraft.objects.get(user=customer).data["equipment"] == [chassis.pk]


def test_coming_back_to_a_draft_keeps_it_alive(client, customer, chassis):
    client.force_login(customer)
    start_draft(client, chassis, proof=False)
    RequestDraft.objects.update(updated_at=timezone.now() - dt.timedelta(days=29))
    client.get("/requests/new/", follow=True)  # back after four weeks
    assert RequestDraft.objects.get().updated_at > timezone.now() - dt.timedelta(minutes=1)
    staged_documents_sweep(now=timezone.now() + dt.timedelta(days=2))
    assert RequestDraft.objects.filter(user=customer).exists()


def test_the_wizard_says_where_the_draft_is_kept(client, customer, chassis):
    client.force_login(customer)
    page = text(step(client, "equipment"))
    assert "a draft kept on our server under your sign-in, which nobody else sees" in page
    assert "sign out or switch to another browser" in page
    assert "A draft left untouched for 30 days is deleted, with any files attached to it." in page


def test_discarding_from_another_browser_deletes_the_proofs(client, customer, chassis):
    client.force_login(customer)
    staged = start_draft(client, chassis)
    elsewhere = Client()
    elsewhere.force_login(customer)
    assert "discarded" in text(elsewhere.post("/requests/new/discard/", follow=True))
    assert not RequestDraft.objects.exists() and not default_storage.exists(staged)
    assert client.get("/requests/new/").url == "/requests/new/equipment/"  # the first browser too


def test_a_draft_kept_in_the_session_before_is_moved_to_the_server(client, customer, chassis):
    client.force_login(customer)
    session = client.session
    session["request_draft"] = {"user": customer.pk, "equipment": [chassis.pk], "site": SITE, "step": "date"}
    session.save()
    assert client.get("/requests/new/").url == "/requests/new/date/"
    assert RequestDraft.objects.get(user=customer).data["site"] == SITE
    assert "request_draft" not in client.session


def test_a_proof_whose_file_is_gone_is_asked_for_again(client, customer, chassis):
    client.force_login(customer)
    staged = start_draft(client, chassis)
    default_storage.delete(staged)
    review = text(step(client, "review"))
    assert "invoice.pdf" not in review and "None attached" in review


# --- the sweep --------------------------------------------------------------------------
def staged(user, days_old: int) -> str:
    path = staged_document_save(user=user, upload=ContentFile(PDF, name="proof.pdf"))
    then = (timezone.now() - dt.timedelta(days=days_old)).timestamp()
    os.utime(default_storage.path(path), (then, then))
    return path


def draft_with(user, *paths, days_untouched: int = 0) -> None:
    documents = [{"kind": "proof_of_purchase", "name": "proof.pdf", "path": p, "size": 10} for p in paths]
    request_draft_save(user=user, data={"documents": documents, "step": "documents"})
    RequestDraft.objects.filter(user=user).update(
        updated_at=timezone.now() - dt.timedelta(days=days_untouched)
    )


def test_the_sweep_keeps_a_live_drafts_files_however_old(customer):
    old_proof = staged(customer, days_old=60)  # staged long ago, but the draft was touched today
    draft_with(customer, old_proof, days_untouched=0)
    assert staged_documents_sweep() == 0
    assert default_storage.exists(old_proof) and RequestDraft.objects.filter(user=customer).exists()


def test_the_sweep_deletes_abandoned_drafts_with_their_files(customer, other_customer):
    abandoned = staged(customer, days_old=0)  # fresh files go too: their draft is gone
    draft_with(customer, abandoned, days_untouched=31)
    kept = staged(other_customer, days_old=29)
    draft_with(other_customer, kept, days_untouched=29)
    assert staged_documents_sweep() == 1
    assert not RequestDraft.objects.filter(user=customer).exists() and not default_storage.exists(abandoned)
    assert RequestDraft.objects.filter(user=other_customer).exists() and default_storage.exists(kept)


def test_the_sweep_deletes_files_no_draft_names_once_they_are_a_day_old(customer):
    stray = staged(customer, days_old=2)  # e.g. the person's account was deleted
    just_stored = staged(customer, days_old=0)  # its draft may be being written right now
    assert staged_documents_sweep() == 1
    assert not default_storage.exists(stray) and default_storage.exists(just_stored)


def test_the_periodic_task_runs_the_sweep(customer):
    from relicensing.tasks import staged_documents_sweep as task

    abandoned = staged(customer, days_old=40)
    draft_with(customer, abandoned, days_untouched=40)
    assert task.delay().get() == 1
    assert not default_storage.exists(abandoned)


def test_a_proof_discarded_elsewhere_while_submitting_is_asked_for_again(
    client, customer, chassis, monkeypatch
):
    client.force_login(customer)
    start_draft(client, chassis)

    def gone(self, document):
        raise FileNotFoundError(document["path"])

    monkeypatch.setattr(Draft, "open", gone)  # the other browser's discard lands mid-submit
    assert step(client, "review", {}).url == "/requests/new/documents/"
    assert "A proof you attached is no longer kept. Attach it again, then submit." in text(
        step(client, "documents")
    )
    assert not Request.objects.exists()  # nothing half-submitted
