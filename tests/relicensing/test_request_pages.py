"""The request list and a request's page: what each role sees, cancel, reject, documents, and
404 for other organisations on every page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from relicensing.choices import RequestStatus
from relicensing.models import Request, RequestDocument
from relicensing.services.lifecycle import request_transition
from relicensing.services.requests import document_upload
from tests.relicensing.registering import register, text
from tests.relicensing.requesting import open_request, pdf, renamed_exe

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme_request(customer, acx2200, frozen_friday):
    return open_request(customer, register(customer))


@pytest.fixture
def borealis_request(other_customer, acx2200, frozen_friday):
    return open_request(other_customer, register(other_customer, "BB12CD34EF56"))


def move(request, *statuses, actor):
    for status in statuses:
        request = request_transition(request=request, to=status, actor=actor)
    return request


# --- the list ----------------------------------------------------------------------
def test_empty_list_says_what_to_do_next(client, customer):
    client.force_login(customer)
    page = text(client.get("/requests/"))
    assert "No request yet." in page and 'href="/requests/new/"' in page


def test_customer_lists_its_own_requests_only(client, customer, acme_request, borealis_request):
    client.force_login(customer)
    page = text(client.get("/requests/"))
    assert acme_request.number in page and borealis_request.number not in page
    assert "<th>Customer</th>" not in page and "Acme HQ" in page


def test_partner_lists_its_customers_requests_with_a_customer_filter(
    client, partner, acme_request, borealis_request
):
    client.force_login(partner)
    page = text(client.get("/requests/"))
    assert "<th>Customer</th>" in page and "Acme Networks" in page
    assert acme_request.number in page and borealis_request.number not in page
    assert f'<option value="{acme_request.customer_id}">Acme Networks</option>' in page
    assert "Borealis Data" not in page


def test_staff_list_everything_and_filter_by_status_and_customer(
    client, staff, customer, acme_request, borealis_request
):
    move(acme_request, RequestStatus.CANCELLED, actor=customer)
    client.force_login(staff)
    both = text(client.get("/requests/"))
    assert acme_request.number in both and borealis_request.number in both
    cancelled = text(client.get("/requests/?status=cancelled"))
    assert acme_request.number in cancelled and borealis_request.number not in cancelled
    still_open = text(client.get("/requests/?status=open"))
    assert acme_request.number not in still_open and borealis_request.number in still_open
    by_customer = text(client.get(f"/requests/?customer={borealis_request.customer_id}"))
    assert acme_request.number not in by_customer and borealis_request.number in by_customer
    assert "No request matches these filters" in text(client.get("/requests/?status=reinstated"))


def test_list_costs_the_same_queries_at_5_and_50_rows(client, partner, customer, acx2200, frozen_friday):
    client.force_login(partner)

    def queries_for_list():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/requests/").status_code == 200
        return len(queries)

    for n in range(5):
        open_request(customer, register(customer, f"AA{n:010d}"))
    at_5 = queries_for_list()
    for n in range(5, 50):
        open_request(customer, register(customer, f"AA{n:010d}"), register(customer, f"AB{n:010d}"))
    assert queries_for_list() == at_5


def test_inspectors_have_no_request_pages(client, inspector, acme_request):
    client.force_login(inspector)
    assert client.get("/requests/").status_code == 403
    assert client.get(f"/requests/{acme_request.pk}/").status_code == 403


# --- one request -------------------------------------------------------------------
def test_customer_reads_status_chassis_timeline_and_what_happens_next(client, customer, acme_request):
    client.force_login(customer)
    page = text(client.get(f"/requests/{acme_request.pk}/"))
    assert acme_request.number in page and "Submitted" in page
    assert "Acme HQ" in page and "Casey Morgan" in page and "Mon 7 Dec 2026" in page
    assert "AB12CD34EF56" in page and "ACX2200" in page and "Not inspected yet" in page
    assert (
        "Next, your partner or programme staff can issue a quote of the programme fees from the price book. "
        "You can also cancel the request." in page
    )
    assert 'id="timeline"' in page and f"{customer.display_name} (Acme Networks)" in page
    assert "Cancel this request" in page and "Reject this request" not in page
    assert "/quote/" not in page  # customers do not build quotes
    assert "Your partner prepares it" in page


def test_partner_sees_the_quote_builder_link_and_staff_the_reject_form(client, partner, staff, acme_request):
    client.force_login(partner)
    page = text(client.get(f"/requests/{acme_request.pk}/"))
    assert f'href="/requests/{acme_request.pk}/quote/"' in page and "Build the quote" in page
    assert "Cancel this request" in page
    client.force_login(staff)
    page = text(client.get(f"/requests/{acme_request.pk}/"))
    assert "Reject this request" in page and "Cancel this request" not in page


@pytest.mark.parametrize("who", ["other_customer", "other_partner"])
def test_another_organisations_request_is_not_found_on_any_page(client, everyone, acme_request, who):
    document = document_upload(
        request=acme_request, user=everyone["staff"], kind="proof_of_purchase", upload=pdf()
    )
    client.force_login(everyone[who])
    base = f"/requests/{acme_request.pk}"
    assert client.get(f"{base}/").status_code == 404
    assert client.get(f"{base}/documents/{document.pk}/").status_code == 404
    for action in ("cancel", "reject", "documents", f"documents/{document.pk}/verify"):
        assert client.post(f"{base}/{action}/", {"reason": "x", "confirmed": "yes"}).status_code == 404
    assert Request.objects.get().status == RequestStatus.SUBMITTED


# --- cancel and reject -------------------------------------------------------------------
def test_customer_cancels_after_confirming(client, customer, acme_request):
    client.force_login(customer)
    url = f"/requests/{acme_request.pk}/cancel/"
    confirm = text(client.post(url, {"reason": "Bought new instead"}))
    assert f"Cancel request {acme_request.number}?" in confirm and "Bought new instead" in confirm
    assert "non-refundable" in confirm
    assert Request.objects.get().status == RequestStatus.SUBMITTED  # nothing yet
    page = text(client.post(url, {"reason": "Bought new instead", "confirmed": "yes"}, follow=True))
    assert f"Request {acme_request.number} is cancelled." in page
    assert Request.objects.get().status == RequestStatus.CANCELLED
    assert "Bought new instead" in page  # on the timeline
    assert "Cancel this request" not in page and "Attach a document" not in page


def test_cancel_is_refused_after_results_and_to_staff(client, customer, staff, acme_request):
    client.force_login(staff)
    assert client.post(f"/requests/{acme_request.pk}/cancel/", {"confirmed": "yes"}).status_code == 403
    _S = RequestStatus
    move(acme_request, _S.QUOTED, _S.QUOTE_ACCEPTED, _S.INSPECTION_SCHEDULED, _S.INSPECTED, actor=staff)
    client.force_login(customer)
    assert "Cancel this request" not in text(client.get(f"/requests/{acme_request.pk}/"))
    page = text(client.post(f"/requests/{acme_request.pk}/cancel/", {"confirmed": "yes"}, follow=True))
    assert f"Request {acme_request.number} is inspected; it cannot become cancelled." in page


def test_staff_reject_with_a_reason_after_confirming(client, staff, customer, acme_request):
    client.force_login(staff)
    url = f"/requests/{acme_request.pk}/reject/"
    page = text(client.post(url, {"reason": "  "}, follow=True))
    assert "Say why the request is rejected; the customer will read it." in page
    confirm = text(client.post(url, {"reason": "Serial & proof do not match"}))
    assert f"Reject request {acme_request.number}?" in confirm and "Serial & proof do not match" in confirm
    client.post(url, {"reason": "Serial & proof do not match", "confirmed": "yes"})
    assert Request.objects.get().status == RequestStatus.REJECTED
    client.force_login(customer)
    page = text(client.get(f"/requests/{acme_request.pk}/"))
    assert (
        "<strong>Reason:</strong> Serial & proof do not match" in page
        and "Programme staff rejected the request for the reason shown" in page
    )


@pytest.mark.parametrize("who", ["customer", "partner"])
def test_customers_and_partners_cannot_reject(client, everyone, acme_request, who):
    client.force_login(everyone[who])
    response = client.post(f"/requests/{acme_request.pk}/reject/", {"reason": "no", "confirmed": "yes"})
    assert response.status_code == 403


# --- documents ---------------------------------------------------------------------------
def test_upload_download_and_verify_a_proof_of_licence(client, customer, staff, acme_request):
    client.force_login(customer)
    url = f"/requests/{acme_request.pk}/documents/"
    page = text(client.post(url, {"kind": "proof_of_license", "file": pdf("licence (1).pdf")}, follow=True))
    assert "Proof of licence licence (1).pdf is attached." in page and "Not checked yet" in page
    assert "Mark verified" not in page
    document = RequestDocument.objects.get()
    download = client.get(f"/requests/{acme_request.pk}/documents/{document.pk}/")
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="licence (1).pdf"'
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    verify = f"/requests/{acme_request.pk}/documents/{document.pk}/verify/"
    assert client.post(verify, {"verified": "yes"}).status_code == 403

    client.force_login(staff)
    page = text(client.post(verify, {"verified": "yes"}, follow=True))
    assert "is verified" in page and "Mark not valid" in page
    document.refresh_from_db()
    assert (document.verified, document.verified_by) == (True, staff)


def test_upload_refuses_a_renamed_executable_and_a_closed_request(client, customer, acme_request):
    client.force_login(customer)
    url = f"/requests/{acme_request.pk}/documents/"
    page = text(client.post(url, {"kind": "proof_of_purchase", "file": renamed_exe()}, follow=True))
    assert "Upload a PDF, PNG or JPEG file; this file's content is none of those." in page
    move(acme_request, RequestStatus.CANCELLED, actor=customer)
    page = text(client.post(url, {"kind": "proof_of_purchase", "file": pdf()}, follow=True))
    assert "is cancelled; it takes no more documents" in page
    assert not RequestDocument.objects.exists()


# --- dashboards ----------------------------------------------------------------------------
def test_dashboards_count_requests_by_status_with_links(client, customer, partner, staff, acme_request):
    client.force_login(customer)
    page = text(client.get("/"))
    assert '<a href="/requests/?status=submitted">Submitted</a> <strong>1</strong>' in page
    client.force_login(partner)
    page = text(client.get("/"))
    assert "Requests waiting for a quote" in page and acme_request.number in page
    assert f'href="/requests/{acme_request.pk}/quote/"' in page
    assert f'href="/requests/new/?customer={acme_request.customer_id}"' in page
    client.force_login(staff)
    page = text(client.get("/"))
    assert "Requests by status" in page and 'href="/requests/?status=rejected"' in page


def test_dashboards_without_requests_say_what_to_do_next(client, customer, partner):
    client.force_login(customer)
    assert "No open request." in text(client.get("/"))
    client.force_login(partner)
    assert "No request is waiting for a quote." in text(client.get("/"))
