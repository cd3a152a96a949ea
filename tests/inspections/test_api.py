"""Inspections through the API: accept → schedule → move → results → final quote with nothing but
HTTP calls; who sees which visit (404 outside reach on every endpoint); the list's filter and its
query count. Dates: time frozen on Friday 20 November 2026, ten business days on is Friday
4 December; the site is in GB."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from inspections.services.results import inspection_photo_add
from inspections.services.visits import inspection_schedule
from tests.inspections.visits import MONDAY, TUESDAY, accepted_inspection, another_inspector

pytestmark = pytest.mark.django_db

SITE = {
    "name": "Acme HQ",
    "address": "1 Network Way\nLeeds LS1 1AA",
    "country": "GB",
    "contact_name": "Casey Morgan",
    "contact_email": "casey@acme.example",
    "contact_phone": "+44 113 496 0000",
}
# The Juniper checklist's required items (the demo checklist), every one answered yes.
ALL_YES = {
    "physical_condition": True,
    "powers_on": True,
    "diagnostics_pass": True,
    "supported_release": True,
    "serial_matches_label": True,
    "no_tampering": True,
}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


def register(client, serial: str) -> int:
    body = {
        "vendor": "juniper",
        "serial_number": serial,
        "product": "ACX2200",
        "acquisition_channel": "secondary_market",
    }
    response = client.post("/api/v1/equipment/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


@pytest.fixture
def accepted_request(api_as, customer, partner, frozen_friday, acx2200, gb_inspector, juniper_checklist):
    """Through the API: Acme registers two ACX2200, opens a request, its partner quotes, Acme
    accepts. The request as the customer then reads it."""
    client = api_as(customer)
    chassis = [register(client, "JN11AC220001"), register(client, "JN11AC220002")]
    body = {"site": SITE, "equipment": chassis, "preferred_inspection_date": "2026-12-07"}
    opened = client.post("/api/v1/requests/", body, format="json")
    assert opened.status_code == 201, opened.json()
    request_id = opened.json()["id"]
    quote = api_as(partner).post(f"/api/v1/requests/{request_id}/quotes/", {"addons": []}, format="json")
    assert quote.status_code == 201, quote.json()
    assert quote.json()["total"] == "6874.00"  # two chassis at 3,437.00
    accepted = api_as(customer).post(f"/api/v1/quotes/{quote.json()['id']}/accept/")
    assert accepted.status_code == 200, accepted.json()
    return api_as(customer).get(f"/api/v1/requests/{request_id}/").json()


def results_body(first_passed: bool, second_passed: bool) -> dict:
    def one(serial: str, passed: bool) -> dict:
        answers = ALL_YES if passed else {**ALL_YES, "powers_on": False}
        return {"serial_number": serial, "passed": passed, "checklist": answers, "notes": ""}

    return {"results": [one("JN11AC220001", first_passed), one("JN11AC220002", second_passed)]}


def test_through_the_api_alone_one_chassis_passes_and_one_fails(
    api_as, accepted_request, customer, partner, inspector, staff, time_machine
):
    request_id = accepted_request["id"]
    assert accepted_request["status"] == "quote_accepted"
    inspection_id = accepted_request["inspection"]
    assert inspection_id is not None

    opened = api_as(customer).get(f"/api/v1/inspections/{inspection_id}/").json()
    assert (opened["status"], opened["date"], opened["inspector"]) == ("unscheduled", None, None)
    assert (opened["request"], opened["request_number"]) == (request_id, accepted_request["number"])
    assert opened["site"] == {"name": "Acme HQ", "address": "1 Network Way\nLeeds LS1 1AA", "country": "GB"}
    assert [(line["serial_number"], line["outcome"], line["results"]) for line in opened["lines"]] == [
        ("JN11AC220001", "pending", []),
        ("JN11AC220002", "pending", []),
    ]
    assert opened["checklist_version"] == 1
    assert {"key": "powers_on", "text": "Powers on", "required": True} in opened["checklist"]

    booked = api_as(staff).post(
        f"/api/v1/inspections/{inspection_id}/schedule/",
        {"date": "2026-12-07", "inspector": inspector.pk},
        format="json",
    )
    assert booked.status_code == 200, booked.json()
    assert (booked.json()["status"], booked.json()["date"], booked.json()["inspector"]) == (
        "scheduled",
        "2026-12-07",
        inspector.pk,
    )
    assert api_as(customer).get(f"/api/v1/requests/{request_id}/").json()["status"] == "inspection_scheduled"

    offered = api_as(partner).get(f"/api/v1/inspections/{inspection_id}/available-dates/")
    assert offered.status_code == 200
    assert "2026-12-08" in offered.json()["dates"]
    assert "2026-12-07" not in offered.json()["dates"]  # where it already is
    moved = api_as(partner).post(
        f"/api/v1/inspections/{inspection_id}/reschedule/", {"date": "2026-12-08"}, format="json"
    )
    assert moved.status_code == 200, moved.json()
    assert (moved.json()["date"], moved.json()["reschedules"], moved.json()["reschedules_left"]) == (
        "2026-12-08",
        1,
        1,  # vendor default: two moves
    )

    time_machine.move_to(at(TUESDAY), tick=False)
    recorded = api_as(inspector).post(
        f"/api/v1/inspections/{inspection_id}/results/", results_body(True, False), format="json"
    )
    assert recorded.status_code == 200, recorded.json()
    assert recorded.json()["status"] == "completed"
    assert [(line["serial_number"], line["outcome"]) for line in recorded.json()["lines"]] == [
        ("JN11AC220001", "passed"),
        ("JN11AC220002", "failed"),
    ]

    request = api_as(customer).get(f"/api/v1/requests/{request_id}/").json()
    assert request["status"] == "inspected"
    assert [(item["serial_number"], item["outcome"]) for item in request["items"]] == [
        ("JN11AC220001", "passed"),
        ("JN11AC220002", "failed"),
    ]
    final = api_as(customer).get(f"/api/v1/quotes/{request['quote']}/").json()
    assert final["total"] == "4437.00"  # 3,437.00 for the passed chassis + 1,000.00 inspection fee
    assert final["status"] == "accepted"
    assert final["revision"] == 2
    assert sorted((line["serial_number"], line["kind"], line["amount"]) for line in final["lines"]) == [
        ("JN11AC220001", "inspection", "1000.00"),
        ("JN11AC220001", "os_license", "2000.00"),
        ("JN11AC220001", "support_year", "437.00"),
        ("JN11AC220002", "inspection", "1000.00"),
    ]
    pdf = api_as(customer).get(f"/api/v1/quotes/{request['quote']}/pdf/")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_every_chassis_failing_closes_the_request_owing_only_inspection_fees(
    api_as, accepted_request, customer, inspector, staff, time_machine
):
    inspection_id = accepted_request["inspection"]
    api_as(staff).post(
        f"/api/v1/inspections/{inspection_id}/schedule/",
        {"date": "2026-12-07", "inspector": inspector.pk},
        format="json",
    )
    time_machine.move_to(at(MONDAY), tick=False)
    recorded = api_as(inspector).post(
        f"/api/v1/inspections/{inspection_id}/results/", results_body(False, False), format="json"
    )
    assert recorded.status_code == 200, recorded.json()

    request = api_as(customer).get(f"/api/v1/requests/{accepted_request['id']}/").json()
    assert request["status"] == "failed_inspection"
    final = api_as(customer).get(f"/api/v1/quotes/{request['quote']}/").json()
    assert final["total"] == "2000.00"
    assert sorted((line["serial_number"], line["kind"], line["amount"]) for line in final["lines"]) == [
        ("JN11AC220001", "inspection", "1000.00"),
        ("JN11AC220002", "inspection", "1000.00"),
    ]


# --- who sees what ------------------------------------------------------------------------------
@pytest.fixture
def booked(inspection, staff, inspector, settings, tmp_path):
    """The visit booked with `inspector` for Monday 7 December, with one photo of a chassis."""
    settings.MEDIA_ROOT = tmp_path
    inspection_schedule(inspection=inspection, user=staff, date=MONDAY, inspector=inspector)
    inspection.refresh_from_db()
    photo = inspection_photo_add(
        inspection=inspection,
        user=inspector,
        serial_number="JN11AC220001",
        upload=SimpleUploadedFile("front.png", PNG, content_type="image/png"),
    )
    inspection.photo_id = photo.pk
    return inspection


@pytest.fixture
def stranger_inspector(operator):
    """An inspector who covers GB but is not assigned to the visit."""
    return another_inspector(operator, "inspector2").user


def endpoints(inspection) -> list[tuple[str, str, dict]]:
    base = f"/api/v1/inspections/{inspection.pk}"
    result = {"serial_number": "JN11AC220001", "passed": True, "checklist": ALL_YES, "notes": ""}
    return [
        ("get", f"{base}/", {}),
        ("get", f"{base}/available-dates/", {}),
        ("get", f"{base}/photos/{inspection.photo_id}/", {}),
        ("post", f"{base}/schedule/", {"date": "2026-12-08", "inspector": inspection.inspector_id}),
        ("post", f"{base}/reschedule/", {"date": "2026-12-08"}),
        ("post", f"{base}/results/", {"results": [result]}),
        ("post", f"{base}/corrections/", {**result, "reason": "Re-tested."}),
    ]


@pytest.mark.parametrize("outsider", ["other_customer", "other_partner", "stranger_inspector"])
def test_outsiders_get_404_on_every_endpoint(request, api_as, booked, outsider):
    client = api_as(request.getfixturevalue(outsider))
    for method, url, body in endpoints(booked):
        response = getattr(client, method)(url, body, format="json") if method == "post" else client.get(url)
        assert response.status_code == 404, (url, response.status_code)
    upload = SimpleUploadedFile("x.png", PNG, content_type="image/png")
    photo = client.post(
        f"/api/v1/inspections/{booked.pk}/photos/",
        {"serial_number": "JN11AC220001", "file": upload},
        format="multipart",
    )
    assert photo.status_code == 404


def test_anonymous_callers_are_asked_to_sign_in(api_as, booked):
    assert api_as(None).get(f"/api/v1/inspections/{booked.pk}/").status_code == 401
    assert api_as(None).get("/api/v1/inspections/").status_code == 401


@pytest.mark.parametrize("insider", ["customer", "partner", "inspector", "staff"])
def test_the_customer_its_partner_the_assigned_inspector_and_staff_see_the_visit(
    request, api_as, booked, inspector, insider
):
    client = api_as(request.getfixturevalue(insider))
    detail = client.get(f"/api/v1/inspections/{booked.pk}/")
    assert detail.status_code == 200
    assert (detail.json()["inspector"], detail.json()["inspector_name"]) == (
        inspector.pk,
        inspector.display_name,
    )
    [photo] = detail.json()["lines"][0]["photos"]
    assert (photo["id"], photo["name"]) == (booked.photo_id, "front.png")
    photo = client.get(f"/api/v1/inspections/{booked.pk}/photos/{booked.photo_id}/")
    assert photo.status_code == 200
    assert b"".join(photo.streaming_content) == PNG
    assert [row["id"] for row in client.get("/api/v1/inspections/").json()["results"]] == [booked.pk]


def test_roles_that_may_not_act_get_403(api_as, booked, customer, partner, inspector):
    base = f"/api/v1/inspections/{booked.pk}"
    result = {"serial_number": "JN11AC220001", "passed": True, "checklist": ALL_YES}
    for user in (customer, partner):
        client = api_as(user)
        schedule = client.post(f"{base}/schedule/", {"date": "2026-12-08", "inspector": inspector.pk})
        assert schedule.status_code == 403
        assert client.post(f"{base}/results/", {"results": [result]}, format="json").status_code == 403
        assert (
            client.post(f"{base}/corrections/", {**result, "reason": "x"}, format="json").status_code == 403
        )
        upload = SimpleUploadedFile("x.png", PNG, content_type="image/png")
        photo = client.post(
            f"{base}/photos/", {"serial_number": "JN11AC220001", "file": upload}, format="multipart"
        )
        assert photo.status_code == 403
    client = api_as(inspector)
    assert client.post(f"{base}/reschedule/", {"date": "2026-12-08"}, format="json").status_code == 403
    schedule = client.post(f"{base}/schedule/", {"date": "2026-12-08", "inspector": inspector.pk})
    assert schedule.status_code == 403


def test_a_photo_of_another_visit_is_not_found_through_this_one(api_as, booked, customer, partner, staff):
    other = accepted_inspection(customer, partner, "JN11AC220003")
    url = f"/api/v1/inspections/{other.pk}/photos/{booked.photo_id}/"
    assert api_as(staff).get(url).status_code == 404


# --- the list -----------------------------------------------------------------------------------
def test_inspectors_list_only_their_own_visits(
    api_as, inspection, customer, partner, inspector, stranger_inspector, staff
):
    theirs = accepted_inspection(customer, partner, "JN11AC220003")
    inspection_schedule(inspection=inspection, user=staff, date=MONDAY, inspector=inspector)
    inspection_schedule(inspection=theirs, user=staff, date=MONDAY, inspector=stranger_inspector)
    unbooked = accepted_inspection(customer, partner, "JN11AC220004")

    def listed(user) -> set[int]:
        return {row["id"] for row in api_as(user).get("/api/v1/inspections/").json()["results"]}

    assert listed(inspector) == {inspection.pk}
    assert listed(stranger_inspector) == {theirs.pk}
    assert listed(customer) == listed(partner) == listed(staff) == {inspection.pk, theirs.pk, unbooked.pk}


def test_other_organisations_list_nothing(api_as, inspection, other_customer, other_partner):
    for user in (other_customer, other_partner):
        assert api_as(user).get("/api/v1/inspections/").json() == {
            "count": 0,
            "next": None,
            "previous": None,
            "results": [],
        }


def test_the_list_filters_by_status(api_as, inspection, customer, partner, inspector, staff):
    unbooked = accepted_inspection(customer, partner, "JN11AC220003")
    inspection_schedule(inspection=inspection, user=staff, date=MONDAY, inspector=inspector)
    client = api_as(customer)

    def ids(query: str) -> list[int]:
        return [row["id"] for row in client.get(f"/api/v1/inspections/{query}").json()["results"]]

    assert ids("?status=scheduled") == [inspection.pk]
    assert ids("?status=unscheduled") == [unbooked.pk]
    assert ids("?status=completed") == []
    assert client.get("/api/v1/inspections/?status=lost").status_code == 400


def _booked_visits(customer, partner, staff, inspector, count: int) -> None:
    """Visits booked on the following days, each with a photo of its first chassis."""
    for n in range(count):
        visit = accepted_inspection(customer, partner, f"JN11AC22{n:02d}01", f"JN11AC22{n:02d}02")
        day = MONDAY + dt.timedelta(days=n)  # four visits a day at most (vendor default)
        inspection_schedule(inspection=visit, user=staff, date=day, inspector=inspector)
        inspection_photo_add(
            inspection=visit,
            user=inspector,
            serial_number=f"JN11AC22{n:02d}01",
            upload=SimpleUploadedFile("front.png", PNG, content_type="image/png"),
        )


@pytest.mark.parametrize("count", [1, 5])
def test_the_list_costs_the_same_queries_for_one_visit_and_five(
    api_as, frozen_friday, acx2200, gb_inspector, juniper_checklist, customer, partner, staff, inspector,
    settings, tmp_path, django_assert_num_queries, count,
):  # fmt: skip
    settings.MEDIA_ROOT = tmp_path
    _booked_visits(customer, partner, staff, inspector, count)
    client = api_as(customer)
    # The request's savepoint in and out, the count, the page (the reach a subquery of each),
    # its chassis, their results, their photos, and the timelines.
    with django_assert_num_queries(8):
        response = client.get("/api/v1/inspections/")
    assert response.json()["count"] == count
    rows = response.json()["results"]
    assert all(len(row["lines"]) == 2 and len(row["timeline"]) == 2 for row in rows)
    assert all(len(row["lines"][0]["photos"]) == 1 for row in rows)


@pytest.mark.parametrize("count", [1, 3])
def test_the_request_list_names_each_inspection_without_a_query_per_row(
    api_as, frozen_friday, acx2200, gb_inspector, juniper_checklist, customer, partner,
    django_assert_num_queries, count,
):  # fmt: skip
    visits = [accepted_inspection(customer, partner, f"JN11AC22{n:02d}01") for n in range(count)]
    client = api_as(customer)
    # Savepoint in and out and the page (no count: the first page holds the whole list): the
    # chassis, the visit, the quote and the contract come with each request as columns.
    with django_assert_num_queries(3):
        response = client.get("/api/v1/requests/")
    assert {(row["id"], row["inspection"]) for row in response.json()["results"]} == {
        (visit.request_id, visit.pk) for visit in visits
    }


def test_a_retried_booking_gets_its_first_answer(api_as, inspection, staff, inspector):
    client = api_as(staff)
    url = f"/api/v1/inspections/{inspection.pk}/schedule/"
    body = {"date": "2026-12-07", "inspector": inspector.pk}
    first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="book-1")
    again = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="book-1")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert len(client.get(f"/api/v1/inspections/{inspection.pk}/").json()["timeline"]) == 2  # opened, booked


def test_the_schema_documents_every_inspection_endpoint(client):
    paths = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    base = "/api/v1/inspections"
    assert set(paths[f"{base}/"]) == {"get"}
    assert set(paths[f"{base}/{{id}}/"]) == {"get"}
    assert set(paths[f"{base}/{{id}}/available-dates/"]) == {"get"}
    assert set(paths[f"{base}/{{id}}/photos/{{photo_id}}/"]) == {"get"}
    for action in ("schedule", "reschedule", "results", "corrections", "photos"):
        assert set(paths[f"{base}/{{id}}/{action}/"]) == {"post"}, action
        assert "requestBody" in paths[f"{base}/{{id}}/{action}/"]["post"], action
    assert "status" in {p["name"] for p in paths[f"{base}/"]["get"]["parameters"]}
