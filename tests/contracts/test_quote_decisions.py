"""A quote is a decision (the customer commits to non-refundable fees): issuing and accepting one
judge the request's chassis again, and a unit whose ownership was settled for someone else leaves
the loser's request."""

import pytest

from common.errors import Conflict
from contracts.choices import QuoteStatus
from contracts.services.quotes import quote_accept, quote_issue
from relicensing.choices import Flag, Reason, RequestStatus
from relicensing.services import equipment as services
from tests.relicensing.registering import register
from tests.relicensing.requesting import open_request

pytestmark = pytest.mark.django_db

SERIAL = "AB12CD34EF56"


def test_a_hold_placed_after_the_request_opened_stops_issuing_a_quote(
    customer, partner, staff, acx2200, frozen_friday
):
    request = open_request(customer, register(customer, SERIAL))
    services.hold_place(vendor=acx2200.vendor, serial_number=SERIAL, reason="Export control", user=staff)
    with pytest.raises(Conflict) as refused:
        quote_issue(request=request, user=partner)
    assert refused.value.code == "ineligible_equipment"
    assert refused.value.extra["equipment"][0]["reasons"] == [Reason.COMPLIANCE_HOLD]
    assert refused.value.detail.startswith(
        "Issuing a quote is not possible: some chassis can no longer enter"
    )
    assert not request.quotes.exists()


def test_a_flag_set_after_the_quote_was_issued_stops_accepting_it(
    customer, partner, staff, acx2200, frozen_friday
):
    registration = register(customer, SERIAL)
    request = open_request(customer, registration)
    quote = quote_issue(request=request, user=partner)
    services.equipment_flag_set(equipment=registration.equipment, flag=Flag.COUNTERFEIT, note="", user=staff)
    with pytest.raises(Conflict) as refused:
        quote_accept(quote=quote, user=customer)
    assert refused.value.code == "ineligible_equipment"
    quote.refresh_from_db()
    request.refresh_from_db()
    assert (quote.status, request.status) == (QuoteStatus.ISSUED, RequestStatus.QUOTED)


def test_settling_ownership_for_another_organisation_rejects_the_losers_request(
    customer, other_customer, partner, staff, acx2200, frozen_friday
):
    mine = register(customer, SERIAL)
    request = open_request(customer, mine)
    quote = quote_issue(request=request, user=partner)
    theirs = register(other_customer, SERIAL)  # both claims in dispute now
    services.ownership_settle(
        equipment=mine.equipment, organization=other_customer.organization, note="Invoice seen", user=staff
    )
    request.refresh_from_db()
    quote.refresh_from_db()
    assert (request.status, quote.status) == (RequestStatus.REJECTED, QuoteStatus.WITHDRAWN)
    assert request.rejection_reason == f"Ownership of {SERIAL} was settled for another organisation."
    theirs.refresh_from_db()
    assert theirs.can_enter_request
    # The owner of record can now put the unit into a request of its own.
    assert open_request(other_customer, theirs).items.count() == 1
