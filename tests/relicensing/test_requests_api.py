"""Relicensing requests through the API: create, the lifecycle's rules, cancel, reject."""

import datetime as dt

import pytest

from relicensing.choices import REQUEST_WORKFLOW, RequestStatus
from relicensing.models import Request
from relicensing.services.lifecycle import request_transition

pytestmark = pytest.mark.django_db

SITE = {
    "name": "Acme HQ",
    "address": "1 Network Way, Leeds",
    "country": "gb",
    "contact_name": "Casey Morgan",
    "contact_email": "casey@acme.example",
    "contact_phone": "+44 113 000 0000",
}


@pytest.fixture
def today(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC), tick=False)  # a Friday
    return dt.date(2026, 11, 20)


def register(client, serial, **extra):
    body = {
        "vendor": "juniper",
        "serial_number": serial,
        "product": "ACX2200",
        "acquisition_channel": "secondary_market",
    }
    response = client.post("/api/v1/equipment/", {**body, **extra}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def open_request(client, equipment, date="2026-12-07", **extra):
    # `extra` may replace the site, or add the customer a partner acts for.
    body = {"site": SITE, "equipment": equipment, "preferred_inspection_date": date, **extra}
    return client.post("/api/v1/requests/", body, format="json", **extra.pop("headers", {}))


@pytest.fixture
def acme_chassis(api_as, customer, acx2200, today):
    return register(api_as(customer), "AB12CD34EF56")


def test_customer_opens_a_request(api_as, customer, acme_chassis):
    response = open_request(api_as(customer), [acme_chassis])
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "submitted"
    assert body["number"].startswith("RQ-2026-")
    assert body["items"] == [
        {
            "equipment": acme_chassis,
            "serial_number": "AB12CD34EF56",
            "product": "ACX2200",
            "outcome": "pending",
        }
    ]
    assert (body["quote"], body["inspection"], body["contract"]) == (None, None, None)
    assert body["site"]["country"] == "GB"
    assert [(t["from"], t["to"], t["actor"]) for t in body["timeline"]] == [(None, "submitted", "customer")]


def test_partner_opens_for_its_customer_only(api_as, partner, customer, other_customer, acme_chassis):
    client = api_as(partner)
    assert open_request(client, [acme_chassis], customer=customer.organization_id).status_code == 201
    assert open_request(client, [acme_chassis], customer=other_customer.organization_id).status_code == 404


@pytest.mark.parametrize("who", ["staff", "inspector"])
def test_only_customers_and_partners_open_requests(api_as, everyone, acme_chassis, who):
    assert open_request(api_as(everyone[who]), [acme_chassis]).status_code == 403


def test_ineligible_equipment_is_named_with_its_reasons(api_as, customer, acme_chassis):
    client = api_as(customer)
    damaged = register(client, "DD12CD34EF56", condition="damaged")
    response = open_request(client, [acme_chassis, damaged])
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "ineligible_equipment"
    assert body["equipment"] == [
        {"equipment": damaged, "serial_number": "DD12CD34EF56", "path": "none", "reasons": ["damaged"]}
    ]
    assert "DD12CD34EF56" in body["detail"]


def test_authorised_channel_equipment_is_not_pushed_through_the_paid_path(api_as, customer, acme_chassis):
    client = api_as(customer)
    new = register(client, "NW12CD34EF56", acquisition_channel="authorized")
    body = open_request(client, [new]).json()
    assert body["code"] == "ineligible_equipment"
    assert body["equipment"][0]["path"] == "no_relicensing_needed"


def test_another_customers_equipment_is_unknown(api_as, customer, other_customer, acme_chassis):
    response = open_request(api_as(other_customer), [acme_chassis])
    assert response.status_code == 400
    assert response.json()["equipment"] == [f"No equipment {acme_chassis} is registered to Borealis Data."]


@pytest.mark.parametrize(
    ("date", "refused"),
    [
        ("2026-12-03", "lead_time"),  # 9 business days after Friday 20 November
        ("2026-12-04", None),  # the 10th business day
        ("2026-12-05", "not_a_business_day"),  # a Saturday
        ("2026-12-07", None),
        ("2026-12-25", "not_a_business_day"),  # Christmas Day, a GB bank holiday (the site is in GB)
    ],
)
def test_lead_time_counts_business_days_over_weekends(api_as, customer, acme_chassis, date, refused):
    response = open_request(api_as(customer), [acme_chassis], date=date)
    if refused is None:
        assert response.status_code == 201
    else:
        assert response.status_code == 400
        assert response.json()["code"] == refused
        assert response.json()["earliest_date"] == "2026-12-04"


def test_a_chassis_in_an_open_request_is_a_409(api_as, customer, acme_chassis):
    client = api_as(customer)
    first = open_request(client, [acme_chassis]).json()
    again = open_request(client, [acme_chassis])
    assert again.status_code == 409
    assert again.json()["code"] == "already_requested"
    assert first["number"] in again.json()["detail"]
    client.post(f"/api/v1/requests/{first['id']}/cancel/", {}, format="json")
    assert open_request(client, [acme_chassis]).status_code == 201  # free again once closed


def test_a_retried_post_with_the_same_idempotency_key_creates_nothing_new(api_as, customer, acme_chassis):
    client = api_as(customer)
    body = {"site": SITE, "equipment": [acme_chassis], "preferred_inspection_date": "2026-12-07"}
    first = client.post("/api/v1/requests/", body, format="json", HTTP_IDEMPOTENCY_KEY="abc-123")
    second = client.post("/api/v1/requests/", body, format="json", HTTP_IDEMPOTENCY_KEY="abc-123")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Request.objects.count() == 1
    other = client.post("/api/v1/requests/", body, format="json", HTTP_IDEMPOTENCY_KEY="other-key")
    assert other.status_code == 409  # a new key is a new request: the chassis is taken


def test_bad_input_is_a_400_by_field(api_as, customer, acme_chassis):
    client = api_as(customer)
    response = client.post("/api/v1/requests/", {"site": {"name": "x"}, "equipment": []}, format="json")
    assert response.status_code == 400
    assert {"site", "equipment", "preferred_inspection_date"} <= set(response.json())


def test_cancel_by_customer_records_the_transition(api_as, customer, acme_chassis):
    client = api_as(customer)
    created = open_request(client, [acme_chassis]).json()
    response = client.post(
        f"/api/v1/requests/{created['id']}/cancel/", {"reason": "Bought new instead"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["timeline"][-1]["reason"] == "Bought new instead"
    again = client.post(f"/api/v1/requests/{created['id']}/cancel/", {}, format="json")
    assert again.status_code == 409
    assert again.json() | {"detail": ""} == {
        "detail": "",
        "code": "invalid_transition",
        "status": "cancelled",
    }


def test_staff_reject_with_a_reason_and_others_cannot(api_as, customer, partner, staff, acme_chassis):
    created = open_request(api_as(customer), [acme_chassis]).json()
    url = f"/api/v1/requests/{created['id']}/reject/"
    assert api_as(customer).post(url, {"reason": "x"}, format="json").status_code == 403
    assert api_as(partner).post(url, {"reason": "x"}, format="json").status_code == 403
    assert api_as(staff).post(url, {}, format="json").status_code == 400
    response = api_as(staff).post(url, {"reason": "Serial belongs to a leased fleet."}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert response.json()["rejection_reason"] == "Serial belongs to a leased fleet."


def test_staff_cannot_cancel(api_as, customer, staff, acme_chassis):
    created = open_request(api_as(customer), [acme_chassis]).json()
    assert (
        api_as(staff).post(f"/api/v1/requests/{created['id']}/cancel/", {}, format="json").status_code == 403
    )


def test_outsiders_get_404_on_every_request_endpoint(
    api_as, customer, other_customer, other_partner, acme_chassis
):
    created = open_request(api_as(customer), [acme_chassis]).json()
    base = f"/api/v1/requests/{created['id']}"
    for outsider in (other_customer, other_partner):
        client = api_as(outsider)
        assert client.get(f"{base}/").status_code == 404
        assert client.post(f"{base}/cancel/", {}, format="json").status_code == 404
        assert client.post(f"{base}/quotes/", {}, format="json").status_code == 404
        assert client.post(f"{base}/documents/", {}, format="multipart").status_code == 404
        assert client.get("/api/v1/requests/").json()["count"] == 0


def test_list_filters_by_status(api_as, customer, acme_chassis):
    client = api_as(customer)
    open_request(client, [acme_chassis])
    assert client.get("/api/v1/requests/?status=submitted").json()["count"] == 1
    assert client.get("/api/v1/requests/?status=quoted").json()["count"] == 0


# --- the transition table ---------------------------------------------------------------
# The lifecycle of API.md, written out by hand edge by edge: a wrong entry in REQUEST_TRANSITIONS
# (an edge added, dropped or misdirected) fails `test_the_table_is_the_documented_lifecycle`.
S = RequestStatus
DOCUMENTED_EDGES = {
    (S.SUBMITTED, S.QUOTED),  # quote issued
    (S.SUBMITTED, S.CANCELLED),
    (S.SUBMITTED, S.REJECTED),
    (S.QUOTED, S.QUOTED),  # a new quote supersedes the last
    (S.QUOTED, S.QUOTE_ACCEPTED),  # customer accepts
    (S.QUOTED, S.SUBMITTED),  # quote expires: back to submitted
    (S.QUOTED, S.CANCELLED),
    (S.QUOTED, S.REJECTED),
    (S.QUOTE_ACCEPTED, S.INSPECTION_SCHEDULED),  # staff schedules
    (S.QUOTE_ACCEPTED, S.CANCELLED),
    (S.QUOTE_ACCEPTED, S.REJECTED),
    (S.INSPECTION_SCHEDULED, S.INSPECTED),  # results recorded
    (S.INSPECTION_SCHEDULED, S.FAILED_INSPECTION),  # results recorded, all fail
    (S.INSPECTION_SCHEDULED, S.CANCELLED),  # cancel: before results only
    (S.INSPECTION_SCHEDULED, S.REJECTED),
    (S.INSPECTED, S.PO_RECEIVED),  # purchase order for the final total
    (S.INSPECTED, S.FAILED_INSPECTION),  # API.md: "failed_inspection <──all fail── inspected" (a correction)
    (S.INSPECTED, S.REJECTED),
    (S.PO_RECEIVED, S.PO_RECEIVED),  # the first of two approvals (above the vendor's amount), on the timeline
    (S.PO_RECEIVED, S.APPROVED),  # staff approve
    (S.PO_RECEIVED, S.REJECTED),
    (S.APPROVED, S.REINSTATED),  # the worker reinstates
    (S.APPROVED, S.REJECTED),
}
# How a new request reaches each status along documented edges, also by hand.
ROUTE = {
    S.SUBMITTED: [],
    S.QUOTED: [S.QUOTED],
    S.QUOTE_ACCEPTED: [S.QUOTED, S.QUOTE_ACCEPTED],
    S.INSPECTION_SCHEDULED: [S.QUOTED, S.QUOTE_ACCEPTED, S.INSPECTION_SCHEDULED],
    S.INSPECTED: [S.QUOTED, S.QUOTE_ACCEPTED, S.INSPECTION_SCHEDULED, S.INSPECTED],
    S.PO_RECEIVED: [S.QUOTED, S.QUOTE_ACCEPTED, S.INSPECTION_SCHEDULED, S.INSPECTED, S.PO_RECEIVED],
    S.APPROVED: [S.QUOTED, S.QUOTE_ACCEPTED, S.INSPECTION_SCHEDULED, S.INSPECTED, S.PO_RECEIVED, S.APPROVED],
}
EVERY_PAIR = [(a, b) for a in RequestStatus for b in RequestStatus]


def test_the_table_is_the_documented_lifecycle():
    table = {(a, b) for a, onward in REQUEST_WORKFLOW.moves.items() for b in onward}
    assert table == DOCUMENTED_EDGES
    assert REQUEST_WORKFLOW.closed == {S.FAILED_INSPECTION, S.REINSTATED, S.CANCELLED, S.REJECTED}


@pytest.fixture
def submitted(customer, acme_chassis):
    from tests.relicensing.requesting import SITE as PAGE_SITE

    return services_open(customer, acme_chassis, PAGE_SITE)


def services_open(customer, registration_id, site):
    from relicensing.services.requests import request_create

    return request_create(
        customer=customer.organization,
        user=customer,
        site=site,
        equipment=[registration_id],
        preferred_inspection_date=dt.date(2026, 12, 7),
    )


@pytest.mark.parametrize(("from_status", "to_status"), sorted(DOCUMENTED_EDGES))
def test_each_documented_move_happens_and_is_recorded(staff, submitted, from_status, to_status):
    for step in ROUTE[from_status]:
        request_transition(request=submitted, to=step, actor=staff)
    request_transition(request=submitted, to=to_status, actor=staff, reason="test")
    submitted.refresh_from_db()
    assert submitted.status == to_status
    assert submitted.transitions.filter(from_status=from_status, to_status=to_status, reason="test").exists()


@pytest.mark.parametrize(("from_status", "to_status"), [p for p in EVERY_PAIR if p not in DOCUMENTED_EDGES])
def test_every_other_move_is_refused(from_status, to_status):
    assert not REQUEST_WORKFLOW.allows(from_status, to_status)


def test_a_refused_move_is_a_409_naming_the_status_and_changes_nothing(staff, submitted):
    from common.errors import Conflict

    with pytest.raises(Conflict) as refused:
        request_transition(request=submitted, to=S.APPROVED, actor=staff)
    assert refused.value.code == "invalid_transition"
    assert refused.value.extra == {"status": "submitted"}
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED
    assert list(submitted.transitions.values_list("to_status", flat=True)) == ["submitted"]


def test_site_country_must_be_an_iso_code(api_as, customer, acme_chassis):
    response = open_request(api_as(customer), [acme_chassis], site={**SITE, "country": "XX"})
    assert response.status_code == 400
    assert "country" in response.json()["site"]


def test_a_filter_the_list_does_not_know_is_a_400_and_other_parameters_pass(api_as, customer, acme_chassis):
    client = api_as(customer)
    open_request(client, [acme_chassis])

    refused = client.get("/api/v1/requests/?status=lost")
    paged = client.get("/api/v1/requests/?page_size=1&unrelated=1")

    assert refused.status_code == 400 and "status" in refused.json()
    assert paged.status_code == 200 and paged.json()["count"] == 1
