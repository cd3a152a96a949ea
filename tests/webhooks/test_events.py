"""Each event type is written by the service where it happens, with the object as the API shows it."""

import datetime as dt
import json

import pytest

from contracts.services import renewal_sweeps as renewals
from contracts.services.orders import purchase_order_receive, request_approve
from contracts.services.rma import contract_rma_swap
from inspections.services.results import inspection_results_record
from inspections.services.visits import inspection_reschedule, inspection_schedule
from tests.contracts.ordering import prepared
from tests.contracts.test_coverage import contract_of
from tests.inspections.visits import MONDAY, TUESDAY, accepted_inspection, answers
from webhooks.choices import WebhookEvent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def subscribed(api_as, customer_admin, receiver):
    """Acme's endpoint subscribed to every event type."""
    answer = api_as(customer_admin).post(
        "/api/v1/webhooks/", {"url": receiver.url, "events": list(WebhookEvent.values)}, format="json"
    )
    assert answer.status_code == 201
    return receiver


def events(receiver) -> list[dict]:
    return [json.loads(r.body) for r in receiver.received]


def test_a_request_s_life_sends_each_of_its_events(
    subscribed, frozen_friday, juniper, acx2200, customer_admin, partner, staff, inspector, time_machine
):
    prepared(inspector, juniper)
    visit = accepted_inspection(customer_admin, partner, "JN11AC220001")
    visit = inspection_schedule(inspection=visit, user=staff, date=MONDAY, inspector=inspector)
    visit = inspection_reschedule(inspection=visit, user=customer_admin, date=TUESDAY)
    time_machine.move_to(dt.datetime(2026, 12, 8, 15, tzinfo=dt.UTC), tick=False)
    inspection_results_record(
        inspection=visit,
        user=inspector,
        results=[{"serial_number": "JN11AC220001", "passed": True, "checklist": answers(True)}],
    )
    request = visit.request
    request.refresh_from_db()
    final = request.quotes.get(is_final=True)
    purchase_order_receive(request=request, user=customer_admin, po_number="PO-1", amount=str(final.total))
    request_approve(request=request, user=staff)

    sent = events(subscribed)
    kinds = [e["type"] for e in sent]
    assert [k for k in kinds if k != "request.status_changed"] == [
        "quote.issued",
        "quote.accepted",
        "inspection.scheduled",
        "inspection.rescheduled",
        "inspection.results_recorded",
        "contract.issued",
    ]
    statuses = [e["data"]["status"] for e in sent if e["type"] == "request.status_changed"]
    assert statuses == [
        "submitted",
        "quoted",
        "quote_accepted",
        "inspection_scheduled",
        "inspected",
        "po_received",
        "approved",
        "reinstated",
    ]
    by_type = {e["type"]: e for e in sent}
    assert by_type["quote.issued"]["data"]["number"].startswith("Q-")
    assert by_type["quote.issued"]["data"]["status"] == "issued"
    assert by_type["quote.accepted"]["data"]["status"] == "accepted"
    assert by_type["inspection.scheduled"]["data"]["date"] == "2026-12-07"
    assert by_type["inspection.rescheduled"]["data"]["date"] == "2026-12-08"
    assert by_type["inspection.results_recorded"]["data"]["status"] == "completed"
    contract = by_type["contract.issued"]["data"]
    assert [line["serial_number"] for line in contract["lines"]] == ["JN11AC220001"]
    assert len({e["id"] for e in sent}) == len(sent)  # one event id per event


def test_the_data_is_the_object_as_the_api_returns_it(
    subscribed, api_as, frozen_friday, acx2200, customer_admin, partner
):
    from contracts.services.quotes import quote_issue
    from tests.relicensing.registering import register
    from tests.relicensing.requesting import open_request

    request = open_request(customer_admin, register(customer_admin, "JN11AC220001"))
    quote = quote_issue(request=request, user=partner)
    sent = {e["type"]: e["data"] for e in events(subscribed)}
    listed = api_as(customer_admin).get("/api/v1/requests/").json()["results"][0]
    assert sent["request.status_changed"] == listed
    assert sent["quote.issued"] == api_as(customer_admin).get(f"/api/v1/quotes/{quote.pk}/").json()


def test_an_rma_and_a_contract_nearing_its_end_send_their_events(
    subscribed, frozen_friday, acx2200, customer_admin, staff, time_machine
):
    contract = contract_of(customer_admin, "CT-2026-000001", ["JN11AC220001", "JN11AC220002"])
    contract_rma_swap(
        contract=contract, user=staff, returned_serial="JN11AC220001", replacement_serial="JN11AC229999"
    )
    time_machine.move_to(dt.datetime(2027, 3, 2, 9, tzinfo=dt.UTC), tick=False)  # 90 days before 31 May
    renewals.renewal_reminders_send()
    renewals.renewal_reminders_send()  # a second run: no second event

    sent = events(subscribed)
    assert [e["type"] for e in sent] == ["contract.rma_recorded", "contract.expiring"]
    assert [line["serial_number"] for line in sent[0]["data"]["lines"]] == ["JN11AC220002", "JN11AC229999"]
    assert sent[1]["data"]["number"] == "CT-2026-000001"
    assert sent[1]["data"]["ends_on"] == "2027-05-31"


def test_a_quote_expiring_sends_the_request_back_to_submitted_as_an_event(
    subscribed, frozen_friday, acx2200, customer_admin, partner, time_machine
):
    from contracts.services.quotes import quote_issue, quotes_expire
    from tests.relicensing.registering import register
    from tests.relicensing.requesting import open_request

    request = open_request(customer_admin, register(customer_admin, "JN11AC220001"))
    quote_issue(request=request, user=partner)
    time_machine.move_to(dt.datetime(2027, 1, 20, 9, tzinfo=dt.UTC), tick=False)  # long past its validity
    quotes_expire()

    statuses = [e["data"]["status"] for e in events(subscribed) if e["type"] == "request.status_changed"]
    assert statuses == ["submitted", "quoted", "submitted"]
