"""A request's answer, key by key, as API.md documents it: the list and the detail write each
request by hand from the columns portal.selectors.request_answers reads (portal/api/requests.py),
so this holds them to the schema, on a request that went the whole way: quoted, inspected (one
chassis passed, one failed), ordered and reinstated, so it names a quote, a visit and a contract."""

import pytest

from contracts.models import Contract, Quote
from contracts.services.orders import purchase_order_receive, request_approve
from inspections.models import Inspection
from relicensing.models import Request
from tests.contracts.ordering import inspected, prepared
from tests.factories import api_registered

pytestmark = pytest.mark.django_db


@pytest.fixture
def reinstated(
    frozen_friday,
    juniper,
    acx2200,
    inspector,
    time_machine,
    customer,
    partner,
    staff,
    django_capture_on_commit_callbacks,
):
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
    with django_capture_on_commit_callbacks(execute=True):  # the contract is issued once approval commits
        request_approve(request=request, user=staff)
    request.refresh_from_db()
    return request


def test_a_reinstated_request_reads_as_documented_in_the_list_and_alone(api_as, customer, reinstated):
    first_quote, final_quote = Quote.objects.filter(request=reinstated).order_by("revision")
    expected = {
        "id": reinstated.pk,
        "number": reinstated.number,
        "status": "reinstated",
        "customer": customer.organization_id,
        "vendor": "juniper",
        "site": {
            "name": reinstated.site_name,
            "address": reinstated.site_address,
            "country": "GB",
            "contact_name": reinstated.contact_name,
            "contact_email": reinstated.contact_email,
            "contact_phone": reinstated.contact_phone,
        },
        "preferred_inspection_date": "2026-12-07",
        "items": [
            {
                "equipment": item.registration_id,
                "serial_number": serial,
                "product": "ACX2200",
                "outcome": outcome,
            }
            for item, (serial, outcome) in zip(
                reinstated.items.order_by("equipment__serial_number"),
                [("JN11AC220001", "passed"), ("JN11AC220002", "failed")],
                strict=True,
            )
        ],
        # The final quote (revision 2) superseded the first; the answer names the one standing.
        "quote": final_quote.pk,
        "inspection": Inspection.objects.get(request=reinstated).pk,
        "contract": Contract.objects.get(request=reinstated).number,
        "rejection_reason": "",
        "created_at": reinstated.created_at.isoformat().replace("+00:00", "Z"),
    }
    client = api_as(customer)

    [listed] = client.get("/api/v1/requests/").json()["results"]
    alone = client.get(f"/api/v1/requests/{reinstated.pk}/").json()

    assert first_quote.revision == 1 and final_quote.revision == 2
    assert {**listed, "items": sorted(listed["items"], key=lambda i: i["serial_number"])} == expected
    assert [list(item) for item in listed["items"]] == [
        ["equipment", "serial_number", "product", "outcome"]
    ] * 2
    assert {key: alone[key] for key in expected} == {**expected, "items": alone["items"]}
    assert sorted(alone["items"], key=lambda i: i["serial_number"]) == expected["items"]
    assert [q["number"] for q in alone["quotes"]] == [final_quote.number, first_quote.number]
    assert set(alone) == set(expected) | {"timeline", "documents", "quotes"}


def test_a_new_request_names_no_quote_visit_or_contract(api_as, customer, acx2200, frozen_friday):
    client = api_as(customer)
    registered = client.post(
        "/api/v1/equipment/",
        {
            "vendor": "juniper",
            "serial_number": "AB12CD34EF56",
            "product": "ACX2200",
            "acquisition_channel": "secondary_market",
        },
        format="json",
    ).json()["id"]
    site = {
        "name": "Acme HQ",
        "address": "1 Network Way, Leeds",
        "country": "GB",
        "contact_name": "Casey Morgan",
        "contact_email": "casey@acme.example",
        "contact_phone": "+44 113 000 0000",
    }
    opened = client.post(
        "/api/v1/requests/",
        {"site": site, "equipment": [registered], "preferred_inspection_date": "2026-12-07"},
        format="json",
    )
    assert opened.status_code == 201, opened.json()

    [listed] = client.get("/api/v1/requests/").json()["results"]

    assert (listed["quote"], listed["inspection"], listed["contract"]) == (None, None, None)
    assert listed["items"] == [
        {"equipment": registered, "serial_number": "AB12CD34EF56", "product": "ACX2200", "outcome": "pending"}
    ]


def test_every_way_of_paging_requests_writes_what_each_request_alone_says(
    api_as, customer, other_customer, partner, acx2200, netreseller, borealis, frozen_friday
):
    # The list reads its pages as rows (REQUEST_ROW): by cursor, merged customer by customer for a
    # partner serving two, and by a jump to a page number; each line is what the request's own
    # answer says of it.
    from accounts.models import Partnership

    Partnership.objects.create(partner=netreseller, customer=borealis)
    site = {
        "name": "Site",
        "address": "1 Network Way, Leeds",
        "country": "GB",
        "contact_name": "Casey Morgan",
        "contact_email": "casey@acme.example",
        "contact_phone": "+44 113 000 0000",
    }
    for owner, serial in (
        (customer, "AB12CD34EF70"),
        (other_customer, "AB12CD34EF71"),
        (customer, "AB12CD34EF72"),
    ):
        client = api_as(owner)
        unit = api_registered(client, serial)
        opened = client.post(
            "/api/v1/requests/",
            {"site": site, "equipment": [unit], "preferred_inspection_date": "2026-12-07"},
            format="json",
        )
        assert opened.status_code == 201, opened.json()
    client = api_as(partner)
    answers = [
        client.get(f"/api/v1/requests/{pk}/").json()
        for pk in Request.objects.order_by("-created_at", "-id").values_list("pk", flat=True)
    ]
    lines = [
        {key: answer[key] for key in answers[0] if key not in ("timeline", "documents", "quotes")}
        for answer in answers
    ]

    merged = client.get("/api/v1/requests/").json()
    first = client.get("/api/v1/requests/?page_size=2").json()
    by_cursor = client.get(first["next"]).json()
    jumped = client.get("/api/v1/requests/?page=2&page_size=2").json()

    assert merged["results"] == lines
    assert first["results"] + by_cursor["results"] == lines
    assert jumped["results"] == lines[2:]
    assert merged["count"] == jumped["count"] == 3
