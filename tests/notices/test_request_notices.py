"""The notices a request's life sends read well in every part: subject, text and HTML, with what
people typed shown as typed in text and escaped in HTML."""

import datetime as dt

import pytest

from contracts.services.quotes import quote_accept, quote_issue, quotes_expire
from notices.models import Notice
from relicensing.services.requests import request_cancel, request_reject
from tests.relicensing.registering import register
from tests.relicensing.requesting import SITE
from tests.relicensing.requesting import open_request as open_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def opened(customer, partner, acx2200, frozen_friday):
    serials = iter(f"AB12CD34E{n:03d}" for n in range(100))

    def open_one():
        return open_for(customer, register(customer, next(serials)), site={**SITE, "name": "O'Brien & Sons"})

    return open_one


def rendered(event, recipient):
    notice = Notice.objects.filter(event=event, recipient=recipient).latest("id")
    return notice.subject, notice.render("body.txt"), notice.render("body.html"), notice


def test_every_request_notice_renders_for_customer_and_partner(
    opened, customer, partner, staff, time_machine
):
    accepted = opened()
    quote_accept(quote=quote_issue(request=accepted, user=partner), user=customer)
    request_cancel(request=opened(), user=customer, reason="Plans changed & budget cut")
    request_reject(request=opened(), user=staff, reason="Proof <missing>")
    expiring = opened()
    quote_issue(request=expiring, user=partner)
    quotes_expire(today=dt.date(2027, 1, 1))

    events = {
        "request_submitted": "O'Brien & Sons",
        "quote_issued": "USD 3,437.00",
        "quote_accepted": "accepted",
        "quote_expired": "expired",
        "request_cancelled": "Plans changed & budget cut",
        "request_rejected": "Proof <missing>",
    }
    for recipient in (customer, partner):
        for event, shown in events.items():
            subject, body_text, body_html, notice = rendered(event, recipient)
            assert subject and "&amp;" not in subject and "&#x27;" not in subject, (event, subject)
            assert shown in f"{subject} {body_text}", (event, body_text)
            assert "&amp;" not in body_text and "&lt;" not in body_text and "&#x27;" not in body_text
            assert notice.link.startswith("/requests/") and notice.link in body_text
            assert "<script" not in body_html and "Proof <missing>" not in body_html
            assert body_html.strip().endswith("</html>")
    _, submitted_text, submitted_html, _ = rendered("request_submitted", partner)
    assert "Your partner" not in submitted_text  # the partner reads it too
    assert "O&#x27;Brien &amp; Sons" in submitted_html
    assert "Proof &lt;missing&gt;" in rendered("request_rejected", customer)[2]


def test_each_reader_gets_their_own_words(opened, customer, partner):
    """Customers are addressed as "you"; partners are told which customer; a customer learns
    when its partner acted on its behalf. (Expected words written out by hand.)"""
    request = opened()
    quote = quote_issue(request=request, user=partner)
    quote_accept(quote=quote, user=partner)  # the partner accepts for Acme
    number, q = request.number, quote.number

    subject, text, _, _ = rendered("quote_accepted", customer)
    assert subject == f"Quote {q} accepted for request {number}"
    assert text.startswith(
        f"Quote {q} (USD 3,437.00) for your request {number} was accepted by {partner.display_name} of "
        "NetReseller on your behalf. The fees are now owed and non-refundable."
    )
    subject, text, _, _ = rendered("quote_accepted", partner)
    assert subject == f"Acme Networks: quote {q} accepted"
    assert text.startswith(f"Quote {q} (USD 3,437.00) for request {number} of Acme Networks was accepted by")
    assert "on your behalf" not in text

    _, text, _, _ = rendered("quote_issued", customer)
    assert (
        "valid until 20 Dec 2026" in text and "on your behalf" not in text
    )  # nobody issues for the customer
    _, text, _, _ = rendered("request_submitted", customer)
    assert text.startswith(
        f"Your request {number} for O'Brien & Sons was submitted by {customer.display_name}"
    )
