"""The assigned inspector's side of a request's conversation: read and posted on the visit's page
(an inspector has no request page), internal notes never shown, another inspector kept out, and
the link of a message's notice landing on the visit's conversation."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from inspections.services.visits import inspection_schedule
from notices.models import Notice
from relicensing.models import RequestMessage
from relicensing.services.messages import request_message_post
from tests.inspections.visits import MONDAY, another_inspector
from tests.relicensing.registering import text
from tests.relicensing.requesting import EXE, PDF

pytestmark = pytest.mark.django_db

QUESTION = "Which rack is the unit in?"
NOTE = "Invoice looks altered."


@pytest.fixture
def booked(inspection, staff, inspector):
    """Acme's visit, booked on Monday 7 December with `inspector`."""
    return inspection_schedule(inspection=inspection, user=staff, date=MONDAY, inspector=inspector)


@pytest.fixture
def asked(booked, customer, staff):
    """The customer asked a question on the request; staff wrote an internal note."""
    request_message_post(request=booked.request, user=customer, body=QUESTION)
    request_message_post(request=booked.request, user=staff, body=NOTE, internal=True)
    return booked


def visit_url(visit) -> str:
    return f"/inspections/{visit.pk}/"


def test_the_inspector_reads_the_conversation_on_the_visit_page_without_internal_notes(
    client, inspector, asked
):
    client.force_login(inspector)
    answer = client.get(visit_url(asked))
    assert answer.status_code == 200
    page = text(answer)
    conversation = page[page.index('id="conversation"') :]
    assert QUESTION in conversation
    assert NOTE not in page
    assert "Internal note" not in page
    assert 'name="internal"' not in page
    assert f'action="/inspections/{asked.pk}/messages/"' in conversation


def test_the_inspector_posts_and_everyone_else_is_told(client, inspector, customer, partner, asked):
    client.force_login(inspector)
    answer = client.post(f"/inspections/{asked.pk}/messages/", {"body": "I will be there at 9."})
    assert answer.status_code == 302
    assert answer["Location"] == f"/inspections/{asked.pk}/#conversation"
    message = RequestMessage.objects.get(body="I will be there at 9.")
    assert (message.author, message.request, message.internal) == (inspector, asked.request, False)
    told = set(
        Notice.objects.filter(occurrence=f"message:{message.pk}").values_list(
            "recipient__username", flat=True
        )
    )
    assert {"customer", "partner", "staff"} <= told
    assert "inspector" not in told
    assert "I will be there at 9." in text(client.get(visit_url(asked)))


def test_the_inspector_posts_an_attachment_that_the_customer_downloads(client, inspector, customer, asked):
    client.force_login(inspector)
    upload = SimpleUploadedFile("rack-plan.pdf", PDF, content_type="application/pdf")
    client.post(f"/inspections/{asked.pk}/messages/", {"body": "The plan", "attachment": upload})
    message = RequestMessage.objects.get(body="The plan")
    assert message.attachment_name == "rack-plan.pdf"
    link = f"/requests/{asked.request_id}/messages/{message.pk}/attachment/"
    assert link in text(client.get(visit_url(asked)))
    assert client.get(link).status_code == 200  # the inspector downloads it too
    client.force_login(customer)
    downloaded = client.get(link)
    assert downloaded.status_code == 200
    assert b"".join(downloaded.streaming_content) == PDF


def test_the_inspector_downloads_the_customers_attachment_but_not_an_internal_ones(
    client, inspector, customer, staff, booked
):
    shared = request_message_post(
        request=booked.request,
        user=customer,
        body="Floor plan",
        attachment=SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf"),
    )
    internal = request_message_post(
        request=booked.request,
        user=staff,
        body="Invoice",
        internal=True,
        attachment=SimpleUploadedFile("invoice.pdf", PDF, content_type="application/pdf"),
    )
    client.force_login(inspector)
    base = f"/requests/{booked.request_id}/messages"
    assert client.get(f"{base}/{shared.pk}/attachment/").status_code == 200
    assert client.get(f"{base}/{internal.pk}/attachment/").status_code == 404


def test_a_refused_message_comes_back_on_the_visit_page_with_its_reason_and_the_text(
    client, inspector, asked
):
    client.force_login(inspector)
    upload = SimpleUploadedFile("rack.pdf", EXE, content_type="application/pdf")
    answer = client.post(
        f"/inspections/{asked.pk}/messages/", {"body": "See the photo", "attachment": upload}
    )
    assert answer.status_code == 400
    page = text(answer)
    assert "Upload a PDF, PNG or JPEG file" in page
    assert "See the photo" in page
    assert QUESTION in page  # still the visit's page, with its conversation
    assert RequestMessage.objects.filter(body="See the photo").count() == 0


def test_a_blank_message_is_refused_beside_the_form(client, inspector, asked):
    client.force_login(inspector)
    answer = client.post(f"/inspections/{asked.pk}/messages/", {"body": "   "})
    assert answer.status_code == 400
    assert "Write a message." in text(answer)


def test_the_inspector_cannot_slip_in_an_internal_note(client, inspector, asked):
    client.force_login(inspector)
    client.post(f"/inspections/{asked.pk}/messages/", {"body": "Hidden?", "internal": "on"})
    assert RequestMessage.objects.get(body="Hidden?").internal is False


def test_another_inspector_neither_reads_nor_posts(client, operator, asked):
    other = another_inspector(operator).user
    client.force_login(other)
    assert client.get(visit_url(asked)).status_code == 404
    assert client.post(f"/inspections/{asked.pk}/messages/", {"body": "Hi"}).status_code == 404
    assert client.get(f"/requests/{asked.request_id}/").status_code == 403  # as before
    assert not RequestMessage.objects.filter(body="Hi").exists()


def test_an_outsider_cannot_post_on_the_visit(client, other_customer, asked):
    client.force_login(other_customer)
    assert client.post(f"/inspections/{asked.pk}/messages/", {"body": "Hi"}).status_code == 404


def test_the_customer_posts_from_the_request_page_not_the_visits(client, customer, asked):
    client.force_login(customer)
    page = text(client.get(visit_url(asked)))
    assert 'id="conversation"' not in page  # the conversation is on the request page, linked above
    assert client.post(f"/inspections/{asked.pk}/messages/", {"body": "Hi"}).status_code == 403


def test_the_notice_link_takes_the_inspector_to_the_visits_conversation(client, inspector, asked):
    notice = Notice.objects.get(recipient=inspector, occurrence__startswith="message:")
    assert notice.link == f"/requests/{asked.request_id}/#conversation"
    client.force_login(inspector)
    answer = client.get(notice.link.split("#")[0])
    assert answer.status_code == 302
    assert answer["Location"] == f"/inspections/{asked.pk}/#conversation"


def test_an_inspector_not_yet_assigned_still_gets_403_on_the_request_page(client, inspector, inspection):
    client.force_login(inspector)
    assert client.get(f"/requests/{inspection.request_id}/").status_code == 403
