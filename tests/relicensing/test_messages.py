"""A request's conversation: who reads and posts (API and page), internal notes kept from the
customer's side, one notice per other party, attachments judged by content, a flat query count."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.choices import Role
from inspections.models import Inspection
from notices.models import Notice
from relicensing.models import RequestMessage
from relicensing.services.messages import request_message_post
from tests.factories import UserFactory
from tests.relicensing.registering import register, text
from tests.relicensing.requesting import EXE, PDF, open_request

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40


@pytest.fixture
def acme_request(customer, partner, acx2200, frozen_friday):
    """Acme's request, opened by its customer; NetReseller serves Acme."""
    return open_request(customer, register(customer, "JN11MS000001"))


@pytest.fixture
def visit(acme_request, inspector, operator):
    """The request's inspection, with `inspector` assigned to it."""
    return Inspection.objects.create(request=acme_request, inspector=inspector)


def messages_url(rq) -> str:
    return f"/api/v1/requests/{rq.pk}/messages/"


def post(client, rq, body, **extra):
    return client.post(messages_url(rq), {"body": body, **extra}, format="json")


def message_notices(message) -> set[str]:
    return set(
        Notice.objects.filter(occurrence=f"message:{message.pk}").values_list(
            "recipient__username", flat=True
        )
    )


# --- who reads and posts (API) -----------------------------------------------------------------
@pytest.mark.parametrize("who", ["customer", "partner", "staff", "inspector"])
def test_each_party_posts_and_reads_the_conversation(api_as, everyone, acme_request, visit, who):
    client = api_as(everyone[who])
    posted = post(client, acme_request, "Which rack is the unit in?")
    assert posted.status_code == 201, posted.json()
    assert posted.json()["author"] == everyone[who].username
    assert posted.json()["body"] == "Which rack is the unit in?"
    assert posted.json()["internal"] is False
    listed = client.get(messages_url(acme_request)).json()
    assert listed["count"] == 1
    assert [m["body"] for m in listed["results"]] == ["Which rack is the unit in?"]


@pytest.mark.parametrize("who", ["other_customer", "other_partner"])
def test_an_outsider_neither_reads_nor_posts(api_as, everyone, acme_request, visit, customer, who):
    request_message_post(request=acme_request, user=customer, body="Which rack is the unit in?")
    client = api_as(everyone[who])
    assert client.get(messages_url(acme_request)).status_code == 404
    assert post(client, acme_request, "Let me in").status_code == 404
    assert RequestMessage.objects.count() == 1


def test_an_inspector_not_assigned_to_the_request_gets_404(api_as, inspector, acme_request):
    # No inspection is assigned yet: the inspector is not part of the conversation.
    assert api_as(inspector).get(messages_url(acme_request)).status_code == 404
    other = UserFactory(username="inspector2", role=Role.INSPECTOR, organization=inspector.organization)
    Inspection.objects.create(request=acme_request, inspector=inspector)
    assert api_as(other).get(messages_url(acme_request)).status_code == 404
    assert api_as(inspector).get(messages_url(acme_request)).status_code == 200


def test_anonymous_gets_401(api, acme_request):
    assert api.get(messages_url(acme_request)).status_code == 401


@pytest.mark.parametrize("who", ["customer", "partner", "inspector"])
def test_only_staff_mark_a_message_internal(api_as, everyone, acme_request, visit, who):
    answer = post(api_as(everyone[who]), acme_request, "Psst", internal=True)
    assert answer.status_code == 403
    assert answer.json()["code"] == "internal_staff_only"
    assert RequestMessage.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("   ", "Write a message."),
        ("x" * 4001, "at most 4000 characters"),
        ("Rack 4\x07", "without control characters"),
    ],
)
def test_a_bad_body_is_refused_with_its_reason(api_as, customer, acme_request, body, problem):
    answer = post(api_as(customer), acme_request, body)
    assert answer.status_code == 400
    assert problem in str(answer.json()["body"]).replace(",", "")


def test_line_breaks_are_kept(api_as, customer, acme_request):
    answer = post(api_as(customer), acme_request, "Rack 4\r\nShelf 2")
    assert answer.json()["body"] == "Rack 4\nShelf 2"


# --- internal notes ---------------------------------------------------------------------------
def test_internal_notes_are_listed_to_staff_only(
    api_as, customer, partner, inspector, staff, acme_request, visit
):
    request_message_post(request=acme_request, user=customer, body="Which rack is the unit in?")
    request_message_post(
        request=acme_request, user=staff, body="Customer disputed an invoice in 2025.", internal=True
    )
    request_message_post(request=acme_request, user=partner, body="Rack 4, shelf 2.")
    assert [m["body"] for m in api_as(staff).get(messages_url(acme_request)).json()["results"]] == [
        "Which rack is the unit in?",
        "Customer disputed an invoice in 2025.",
        "Rack 4, shelf 2.",
    ]
    for person in (customer, partner, inspector):
        shown = api_as(person).get(messages_url(acme_request)).json()
        assert [m["body"] for m in shown["results"]] == ["Which rack is the unit in?", "Rack 4, shelf 2."]
        assert shown["count"] == 2


def test_the_api_timeline_has_messages_in_order_without_internal_ones_for_the_customer(
    api_as, customer, staff, acme_request, time_machine
):
    time_machine.move_to(dt.datetime(2026, 11, 20, 13, tzinfo=dt.UTC), tick=False)
    request_message_post(request=acme_request, user=customer, body="Which rack is the unit in?")
    time_machine.move_to(dt.datetime(2026, 11, 20, 14, tzinfo=dt.UTC), tick=False)
    request_message_post(request=acme_request, user=staff, body="Check the invoice first.", internal=True)
    time_machine.move_to(dt.datetime(2026, 11, 20, 15, tzinfo=dt.UTC), tick=False)
    api_as(customer).post(f"/api/v1/requests/{acme_request.pk}/cancel/", {"reason": "Sold"}, format="json")

    def steps(user):
        timeline = api_as(user).get(f"/api/v1/requests/{acme_request.pk}/").json()["timeline"]
        return [(s["kind"], s["to"], s.get("body")) for s in timeline]

    assert steps(customer) == [
        ("transition", "submitted", None),
        ("message", None, "Which rack is the unit in?"),
        ("transition", "cancelled", None),
    ]
    assert steps(staff) == [
        ("transition", "submitted", None),
        ("message", None, "Which rack is the unit in?"),
        ("message", None, "Check the invoice first."),
        ("transition", "cancelled", None),
    ]


# --- notices ----------------------------------------------------------------------------------
def test_a_message_notifies_every_other_party_once(customer, partner, inspector, staff, acme_request, visit):
    UserFactory(username="customer-colleague", organization=customer.organization, role=Role.CUSTOMER)
    UserFactory(username="gone", organization=customer.organization, role=Role.CUSTOMER, is_active=False)
    UserFactory(username="customer2-alone", role=Role.CUSTOMER)  # another organisation

    question = request_message_post(request=acme_request, user=customer, body="Which rack is the unit in?")
    # No staff has posted yet: every staff member hears of it.
    assert message_notices(question) == {"customer-colleague", "partner", "inspector", "staff"}

    answer = request_message_post(request=acme_request, user=staff, body="Rack 4.")
    assert message_notices(answer) == {"customer", "customer-colleague", "partner", "inspector"}
    assert Notice.objects.filter(occurrence=f"message:{answer.pk}").count() == 4


def test_once_a_staff_member_takes_part_only_they_hear_of_later_messages(
    customer, staff, operator, acme_request
):
    UserFactory(username="staff-other", organization=operator, role=Role.STAFF)
    request_message_post(request=acme_request, user=staff, body="We are looking at it.")
    later = request_message_post(request=acme_request, user=customer, body="Thank you.")
    assert message_notices(later) == {"staff", "partner"}  # not staff-other


def test_an_internal_note_notifies_staff_and_nobody_else(
    customer, partner, inspector, staff, operator, acme_request, visit
):
    UserFactory(username="staff-other", organization=operator, role=Role.STAFF)
    note = request_message_post(
        request=acme_request, user=staff, body="Invoice looks altered.", internal=True
    )
    assert message_notices(note) == {"staff-other"}
    assert (
        not Notice.objects.filter(recipient__in=[customer, partner, inspector])
        .filter(occurrence=f"message:{note.pk}")
        .exists()
    )


def test_the_notice_reads_the_message(customer, partner, acme_request):
    question = request_message_post(request=acme_request, user=customer, body="Which rack is the unit in?")
    notice = Notice.objects.get(occurrence=f"message:{question.pk}", recipient=partner)
    assert notice.context["body"] == "Which rack is the unit in?"
    assert notice.link == f"/requests/{acme_request.pk}/#conversation"


# --- attachments ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "name", "mime"),
    [(PDF, "rack.pdf", "application/pdf"), (PNG, "rack.png", "image/png"), (JPEG, "rack.jpg", "image/jpeg")],
)
def test_an_attachment_is_accepted_by_content(api_as, customer, partner, acme_request, content, name, mime):
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    answer = api_as(customer).post(
        messages_url(acme_request), {"body": "Photo of the rack", "attachment": upload}, format="multipart"
    )
    assert answer.status_code == 201, answer.json()
    attachment = answer.json()["attachment"]
    assert attachment["name"] == name
    assert attachment["content_type"] == mime
    downloaded = api_as(partner).get(attachment["url"])
    assert downloaded.status_code == 200
    assert b"".join(downloaded.streaming_content) == content


def test_a_renamed_executable_is_refused(api_as, customer, acme_request):
    upload = SimpleUploadedFile("rack.pdf", EXE, content_type="application/pdf")
    answer = api_as(customer).post(
        messages_url(acme_request), {"body": "Photo", "attachment": upload}, format="multipart"
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "unsupported_file_type"
    assert RequestMessage.objects.count() == 0


def test_an_outsider_cannot_download_an_attachment(client, customer, other_customer, acme_request):
    upload = SimpleUploadedFile("rack.pdf", PDF, content_type="application/pdf")
    message = request_message_post(request=acme_request, user=customer, body="Invoice", attachment=upload)
    client.force_login(other_customer)
    assert client.get(f"/requests/{acme_request.pk}/messages/{message.pk}/attachment/").status_code == 404


def test_an_internal_notes_attachment_is_not_downloaded_by_the_customer(
    client, customer, staff, acme_request
):
    upload = SimpleUploadedFile("note.pdf", PDF, content_type="application/pdf")
    note = request_message_post(
        request=acme_request, user=staff, body="Note", internal=True, attachment=upload
    )
    client.force_login(customer)
    assert client.get(f"/requests/{acme_request.pk}/messages/{note.pk}/attachment/").status_code == 404


# --- the page ---------------------------------------------------------------------------------
def test_the_page_shows_the_conversation_and_the_staff_only_note_to_staff(
    client, customer, staff, acme_request
):
    request_message_post(request=acme_request, user=customer, body="Which rack is the unit in?")
    request_message_post(request=acme_request, user=staff, body="Invoice looks altered.", internal=True)
    client.force_login(staff)
    page = text(client.get(f"/requests/{acme_request.pk}/"))
    assert "Conversation" in page
    assert "Which rack is the unit in?" in page
    assert "Invoice looks altered." in page
    assert "Internal note — staff only" in page
    assert 'name="internal"' in page


@pytest.mark.parametrize("who", ["customer", "partner"])
def test_the_page_never_shows_an_internal_note_to_the_customers_side(
    client, everyone, staff, acme_request, who
):
    request_message_post(request=acme_request, user=everyone["customer"], body="Which rack is the unit in?")
    request_message_post(request=acme_request, user=staff, body="Invoice looks altered.", internal=True)
    client.force_login(everyone[who])
    page = text(client.get(f"/requests/{acme_request.pk}/"))
    assert "Which rack is the unit in?" in page  # the conversation and the timeline
    assert "Invoice looks altered." not in page
    assert "Internal note" not in page
    assert 'name="internal"' not in page


def test_the_page_timeline_places_messages_among_the_transitions(
    client, customer, acme_request, time_machine
):
    time_machine.move_to(dt.datetime(2026, 11, 20, 13, tzinfo=dt.UTC), tick=False)
    request_message_post(request=acme_request, user=customer, body="Which rack is the unit in?")
    client.force_login(customer)
    page = text(client.get(f"/requests/{acme_request.pk}/"))
    timeline = page[page.index('id="timeline"') :]
    assert timeline.index("Submitted") < timeline.index("Which rack is the unit in?")


def test_posting_on_the_page(client, partner, customer, acme_request):
    client.force_login(partner)
    answer = client.post(f"/requests/{acme_request.pk}/messages/", {"body": "Rack 4, shelf 2."})
    assert answer.status_code == 302
    assert answer["Location"] == f"/requests/{acme_request.pk}/#conversation"
    message = RequestMessage.objects.get()
    assert (message.author, message.body, message.internal) == (partner, "Rack 4, shelf 2.", False)


def test_a_customer_cannot_post_an_internal_note_through_the_page(client, customer, acme_request):
    client.force_login(customer)
    client.post(f"/requests/{acme_request.pk}/messages/", {"body": "Hidden?", "internal": "on"})
    assert RequestMessage.objects.get().internal is False  # the field is not theirs: ignored


def test_a_refused_message_comes_back_with_its_reason_and_the_text(client, customer, acme_request):
    client.force_login(customer)
    upload = SimpleUploadedFile("rack.pdf", EXE, content_type="application/pdf")
    answer = client.post(
        f"/requests/{acme_request.pk}/messages/", {"body": "See the photo", "attachment": upload}
    )
    assert answer.status_code == 400
    page = text(answer)
    assert "Upload a PDF, PNG or JPEG file" in page
    assert "See the photo" in page
    assert RequestMessage.objects.count() == 0


def test_an_outsider_cannot_post_on_the_page(client, other_customer, acme_request):
    client.force_login(other_customer)
    assert client.post(f"/requests/{acme_request.pk}/messages/", {"body": "Hi"}).status_code == 404


# --- cost -------------------------------------------------------------------------------------
def test_the_list_costs_the_same_at_5_and_50_messages(api_as, customer, partner, staff, acme_request):
    client = api_as(customer)
    authors = [customer, partner, staff]

    def count(rows):
        RequestMessage.objects.all().delete()
        RequestMessage.objects.bulk_create(
            [
                RequestMessage(request=acme_request, author=authors[n % 3], body=f"Message {n}")
                for n in range(rows)
            ]
        )
        with CaptureQueriesContext(connection) as captured:
            answer = client.get(messages_url(acme_request) + "?page_size=100")
        assert answer.json()["count"] == rows
        return len(captured)

    assert count(5) == count(50)


def test_the_email_reads_the_message_as_typed_in_text_and_escaped_in_html(
    customer, partner, staff, acme_request
):
    question = request_message_post(request=acme_request, user=partner, body="Rack <B4> & shelf 2?\nFloor 2.")
    notice = Notice.objects.get(occurrence=f"message:{question.pk}", recipient=customer)
    body_text, body_html = notice.render("body.txt"), notice.render("body.html")
    assert notice.subject == f"New message on your request {acme_request.number}"
    assert "wrote on your request" in body_text
    assert "Rack <B4> & shelf 2?\nFloor 2." in body_text
    assert f"/requests/{acme_request.pk}/#conversation" in body_text
    assert "Rack &lt;B4&gt; &amp; shelf 2?" in body_html and "<B4>" not in body_html
    to_staff = Notice.objects.get(occurrence=f"message:{question.pk}", recipient=staff)
    assert to_staff.subject == f"Acme Networks: new message on request {acme_request.number}"
