"""Renewals in the browser (issue 10, item 6): the renewal card on a contract's page for each
reader, preparing, ordering and approving a renewal through the pages (with confirmations), and
the notices when a renewal quote is issued and a renewal approved.

The contract is Acme's one ACX2200 (JN11AC220001), covered 7 December 2026 to 6 December 2027;
the support year is $437.00. Renewed on 5 April 2028 (120 lapsed days) the quote adds back-support
of $143.67: $580.67 in all, and coverage runs 5 April 2028 to 4 April 2029 (see test_renewals)."""

import datetime as dt

import pytest

from contracts.choices import RenewalQuoteStatus
from contracts.models import Contract, RenewalQuote
from contracts.services import renewals
from contracts.services.orders import purchase_order_receive, request_approve
from notices.models import Notice
from tests.contracts.ordering import inspected, prepared
from tests.factories import UserFactory
from tests.relicensing.registering import text

pytestmark = pytest.mark.django_db


def on(time_machine, day: dt.date) -> None:
    time_machine.move_to(dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC), tick=False)


@pytest.fixture
def other_staff(operator):
    return UserFactory(username="staff2", organization=operator, role="staff")


@pytest.fixture
def contract(
    frozen_friday, juniper, acx2200, time_machine, customer, partner, staff, inspector,
    django_capture_on_commit_callbacks,
):  # fmt: skip
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
    with django_capture_on_commit_callbacks(execute=True):
        request_approve(request=request, user=staff)
    return Contract.objects.get(request=request)


def page(client, user, url, data=None):
    client.force_login(user)
    return client.post(url, data) if data is not None else client.get(url)


def url(contract, tail=""):
    return f"/contracts/{contract.number}/{tail}"


# --- the card ----------------------------------------------------------------------------------
def test_before_the_end_the_card_says_renew_before_the_end_for_no_gap(
    contract, time_machine, client, customer, partner, staff
):
    on(time_machine, dt.date(2027, 11, 6))
    for reader in (customer, partner, staff):
        shown = text(page(client, reader, url(contract)))
        assert "Renew before 6 Dec 2027 for no gap" in shown
    assert "Prepare a renewal quote" not in text(page(client, customer, url(contract)))
    assert "Your partner or programme staff prepare the renewal quote" in text(
        page(client, customer, url(contract))
    )
    for reader in (partner, staff):
        assert "Prepare a renewal quote" in text(page(client, reader, url(contract)))


def test_another_organisation_cannot_open_the_contract_or_its_renewal_actions(
    contract, client, other_customer, other_partner
):
    for outsider in (other_customer, other_partner):
        assert page(client, outsider, url(contract)).status_code == 404
        assert page(client, outsider, url(contract, "renewal/quote/"), {}).status_code == 404
        assert page(client, outsider, url(contract, "renewal/order/"), {}).status_code == 404
    assert not RenewalQuote.objects.exists()


def test_the_customer_cannot_prepare_a_renewal_quote(contract, time_machine, client, customer):
    on(time_machine, dt.date(2027, 11, 6))
    answer = page(client, customer, url(contract, "renewal/quote/"), {})
    assert answer.status_code == 403
    assert not RenewalQuote.objects.exists()


def test_a_get_on_an_action_leads_back_to_the_card(contract, client, partner):
    answer = page(client, partner, url(contract, "renewal/quote/"))
    assert answer.status_code == 302 and answer["Location"].endswith("#renewal")


def test_the_partner_prepares_a_quote_after_a_lapse_with_back_support_in_words(
    contract, time_machine, client, partner, customer
):
    on(time_machine, dt.date(2028, 4, 5))
    assert "Lapsed 120 days: a renewal adds back-support" in text(page(client, partner, url(contract)))
    answer = page(client, partner, url(contract, "renewal/quote/"), {})
    assert answer.status_code == 302
    quote = RenewalQuote.objects.get()
    assert (quote.status, str(quote.total)) == (RenewalQuoteStatus.ISSUED, "580.67")
    shown = text(client.get(answer["Location"]))
    assert f"Renewal quote {quote.number} is issued: USD 580.67" in shown
    assert "Back-support, 120 lapsed days" in shown and "USD 143.67" in shown
    assert "5 Apr 2028 to 4 Apr 2029" in shown
    # the customer reads the order form, the amount prefilled with the total
    shown = text(page(client, customer, url(contract)))
    assert "Order this renewal" in shown and 'name="amount" value="580.67"' in shown
    assert "Prepare a" not in shown


def test_past_the_threshold_the_refusal_is_in_words(contract, time_machine, client, staff):
    on(time_machine, dt.date(2028, 12, 7))
    shown = text(page(client, staff, url(contract)))
    assert "Lapsed past the vendor's threshold" in shown and "new relicensing request" in shown
    assert "Prepare a renewal quote" not in shown
    answer = page(client, staff, url(contract, "renewal/quote/"), {})
    shown = text(client.get(answer["Location"]))
    assert "No renewal quote was prepared" in shown and "new relicensing request" in shown
    assert "reinspection_required" not in shown


# --- ordering and approving ---------------------------------------------------------------------
@pytest.fixture
def quoted(contract, time_machine, partner):
    on(time_machine, dt.date(2028, 4, 5))
    return renewals.renewal_quote_issue(contract=contract, user=partner)


def test_an_amount_mismatch_is_said_in_words_naming_both_figures(quoted, client, customer):
    contract = quoted.contract
    answer = page(
        client,
        customer,
        url(contract, "renewal/order/"),
        {"quote": quoted.pk, "po_number": "PO-9", "amount": "437"},
    )
    shown = text(answer)
    assert answer.status_code == 200
    assert "The order is for USD 437.00, but renewal quote" in shown and "is USD 580.67" in shown
    quoted.refresh_from_db()
    assert quoted.status == RenewalQuoteStatus.ISSUED


def test_the_order_asks_for_a_confirmation_then_the_staff_approve_with_one(
    quoted, client, customer, staff, other_staff
):
    contract = quoted.contract
    data = {"quote": quoted.pk, "po_number": "PO-9", "amount": "580.67"}
    shown = text(page(client, customer, url(contract, "renewal/order/"), data))
    assert "Order renewal" in shown and "Send the order" in shown
    quoted.refresh_from_db()
    assert quoted.status == RenewalQuoteStatus.ISSUED  # not before the confirmation
    page(client, customer, url(contract, "renewal/order/"), {**data, "confirmed": "yes"})
    quoted.refresh_from_db()
    assert (quoted.status, quoted.po_number) == (RenewalQuoteStatus.ORDERED, "PO-9")
    shown = text(page(client, customer, url(contract)))
    assert "You ordered it with purchase order PO-9" in shown and "Approve the renewal" not in shown

    shown = text(page(client, staff, url(contract)))
    assert "Approve the renewal" in shown
    approve = url(contract, "renewal/approve/")
    shown = text(page(client, staff, approve, {"quote": quoted.pk}))
    assert "extends coverage to 4 Apr 2029" in shown
    contract.refresh_from_db()
    assert contract.ends_on == dt.date(2027, 12, 6)
    answer = page(client, staff, approve, {"quote": quoted.pk, "confirmed": "yes"})
    assert "now covers its serials until 4 Apr 2029" in text(client.get(answer["Location"]))
    contract.refresh_from_db()
    assert contract.ends_on == dt.date(2029, 4, 4)
    # approving again changes nothing
    page(client, other_staff, approve, {"quote": quoted.pk, "confirmed": "yes"})
    contract.refresh_from_db()
    assert contract.ends_on == dt.date(2029, 4, 4)


def test_the_partner_and_the_customer_cannot_approve(quoted, client, customer, partner):
    renewals.renewal_quote_order(quote=quoted, user=customer, po_number="PO-9", amount="580.67")
    for reader in (customer, partner):
        assert "Approve the renewal" not in text(page(client, reader, url(quoted.contract)))
        page(
            client, reader, url(quoted.contract, "renewal/approve/"), {"quote": quoted.pk, "confirmed": "yes"}
        )
    quoted.refresh_from_db()
    assert quoted.status == RenewalQuoteStatus.ORDERED


# --- notices ------------------------------------------------------------------------------------
def test_notices_when_a_renewal_is_quoted_and_approved(quoted, customer, partner, staff, other_customer):
    issued = Notice.objects.filter(event="renewal_quote_issued").select_related("recipient")
    assert {n.recipient for n in issued} == {customer, partner}
    subjects = {n.recipient.role: n.subject for n in issued}
    assert "your contract" in subjects["customer"] and "USD 580.67" in subjects["customer"]
    assert subjects["partner"].startswith("Acme")
    renewals.renewal_quote_order(quote=quoted, user=partner, po_number="PO-9", amount="580.67")
    renewals.renewal_quote_approve(quote=quoted, user=staff)
    approved = Notice.objects.filter(event="renewal_approved").select_related("recipient")
    assert {n.recipient for n in approved} == {customer, partner}
    for notice in approved:
        subject, body = notice.subject, notice.render("body.txt")
        assert "covered until 4 Apr 2029" in subject and "covered until 4 Apr 2029" in body
    customer_body = approved.get(recipient=customer).render("body.txt")
    assert "ordered on your behalf" in customer_body
    # one notice per occurrence: the same quote's events are not written twice
    renewals._renewal_notice(quoted, renewals.NoticeEvent.RENEWAL_APPROVED, "approved", staff)
    assert Notice.objects.filter(event="renewal_approved").count() == 2
