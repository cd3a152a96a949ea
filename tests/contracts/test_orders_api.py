"""The whole path through the API alone: an ACX2200 registered, requested, quoted at $3,437
(DOMAIN.md's reference example), accepted, booked, inspected, ordered, approved and reinstated;
its contract found by serial, by contract number and by sales order. Time is frozen on Friday
20 November 2026 and moved to the visit day, Monday 7 December."""

import datetime as dt

import pytest

from tests.inspections.visits import checklist, coverage

pytestmark = pytest.mark.django_db

SITE = {
    "name": "Acme HQ",
    "address": "1 Network Way\nLeeds LS1 1AA",
    "country": "GB",
    "contact_name": "Casey Morgan",
    "contact_email": "casey@acme.example",
    "contact_phone": "+44 113 496 0000",
}
ALL_YES = dict.fromkeys(
    [
        "physical_condition",
        "powers_on",
        "diagnostics_pass",
        "supported_release",
        "serial_matches_label",
        "no_tampering",
    ],
    True,
)


def ok(response, code=200):
    assert response.status_code == code, response.content
    return response.json()


def test_from_registration_to_a_contract_found_three_ways(
    api_as,
    frozen_friday,
    time_machine,
    customer,
    partner,
    staff,
    inspector,
    other_customer,
    juniper,
    acx2200,
    django_capture_on_commit_callbacks,
):
    coverage(inspector, "GB")
    checklist(juniper)
    unit = ok(
        api_as(customer).post(
            "/api/v1/equipment/",
            {
                "vendor": "juniper",
                "serial_number": "jn11ac220009",
                "product": "ACX2200",
                "acquisition_channel": "secondary_market",
            },
            format="json",
        ),
        201,
    )
    request = ok(
        api_as(customer).post(
            "/api/v1/requests/",
            {"site": SITE, "equipment": [unit["id"]], "preferred_inspection_date": "2026-12-07"},
            format="json",
        ),
        201,
    )
    quote = ok(
        api_as(partner).post(f"/api/v1/requests/{request['id']}/quotes/", {"addons": []}, format="json"), 201
    )
    assert quote["total"] == "3437.00"
    ok(api_as(customer).post(f"/api/v1/quotes/{quote['id']}/accept/", {}, format="json"))
    inspection = ok(api_as(customer).get(f"/api/v1/requests/{request['id']}/"))["inspection"]
    ok(
        api_as(staff).post(
            f"/api/v1/inspections/{inspection}/schedule/",
            {"date": "2026-12-07", "inspector": inspector.pk},
            format="json",
        )
    )
    time_machine.move_to(dt.datetime(2026, 12, 7, 15, tzinfo=dt.UTC), tick=False)
    ok(
        api_as(inspector).post(
            f"/api/v1/inspections/{inspection}/results/",
            {"results": [{"serial_number": "JN11AC220009", "passed": True, "checklist": ALL_YES}]},
            format="json",
        )
    )
    final = ok(api_as(customer).get(f"/api/v1/requests/{request['id']}/"))["quote"]
    assert ok(api_as(customer).get(f"/api/v1/quotes/{final}/"))["total"] == "3437.00"

    wrong = api_as(customer).post(
        f"/api/v1/requests/{request['id']}/purchase-order/",
        {"po_number": "PO-1", "amount": "3000.00"},
        format="json",
    )
    assert (wrong.status_code, wrong.json()["code"]) == (400, "amount_mismatch")
    assert (wrong.json()["amount"], wrong.json()["final_total"]) == ("3000.00", "3437.00")
    po = ok(
        api_as(partner).post(
            f"/api/v1/requests/{request['id']}/purchase-order/",
            {"po_number": "PO-1", "amount": "3437.00"},
            format="json",
        ),
        201,
    )
    assert (po["status"], po["amount"], po["sales_order"]) == ("received", "3437.00", None)
    assert api_as(customer).post(f"/api/v1/requests/{request['id']}/approve/").status_code == 403
    assert (
        api_as(inspector).post(f"/api/v1/requests/{request['id']}/approve/").status_code == 404
    )  # not its request
    with django_capture_on_commit_callbacks(execute=True):  # the worker's task, after the commit
        approved = api_as(staff).post(f"/api/v1/requests/{request['id']}/approve/")
    assert approved.status_code == 202
    assert approved.json() == {"approvals": 1, "approvals_needed": 1}

    done = ok(api_as(customer).get(f"/api/v1/requests/{request['id']}/"))
    assert done["status"] == "reinstated"
    number = done["contract"]
    contract = ok(api_as(customer).get(f"/api/v1/contracts/{number}/"))
    assert contract["owner"] == customer.organization_id
    assert (contract["starts_on"], contract["ends_on"], contract["status"]) == (
        "2026-12-07",
        "2027-12-06",
        "active",
    )
    assert contract["lines"] == [{"serial_number": "JN11AC220009", "product": "ACX2200"}]
    assert contract["site"]["name"] == "Acme HQ"
    assert [event["kind"] for event in contract["history"]] == ["issued"]
    for query in (
        "serial_number=jn11ac220009",
        f"contract_number={number}",
        f"sales_order={contract['sales_order']}",
    ):
        found = ok(api_as(customer).get(f"/api/v1/contracts/?{query}"))
        assert [c["number"] for c in found["results"]] == [number], query
    assert ok(api_as(partner).get("/api/v1/contracts/?serial_number=JN11AC220009"))["count"] == 1
    assert api_as(other_customer).get(f"/api/v1/contracts/{number}/").status_code == 404
    assert ok(api_as(other_customer).get("/api/v1/contracts/?serial_number=JN11AC220009"))["count"] == 0
    assert (
        api_as(staff).post(f"/api/v1/requests/{request['id']}/approve/").status_code == 409
    )  # approved once
