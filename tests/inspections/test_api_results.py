"""Results, corrections and photos through the API: one result per chassis from the visit's day,
what is missing named, results final, a staff correction keeping the original, photos judged by
content. The visit is booked for Monday 7 December 2026 with the assigned inspector."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from inspections.services.visits import inspection_schedule
from tests.inspections.visits import MONDAY

pytestmark = pytest.mark.django_db

ALL_YES = {
    "physical_condition": True,
    "powers_on": True,
    "diagnostics_pass": True,
    "supported_release": True,
    "serial_matches_label": True,
    "no_tampering": True,
}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def chassis(serial: str, passed: bool = True, notes: str = "", **answers: bool) -> dict:
    return {"serial_number": serial, "passed": passed, "checklist": {**ALL_YES, **answers}, "notes": notes}


def record(client, inspection, *results: dict):
    return client.post(
        f"/api/v1/inspections/{inspection.pk}/results/", {"results": list(results)}, format="json"
    )


BOTH = (chassis("JN11AC220001"), chassis("JN11AC220002", passed=False, notes="Dead PSU.", powers_on=False))


@pytest.fixture
def booked(inspection, staff, inspector, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    inspection_schedule(inspection=inspection, user=staff, date=MONDAY, inspector=inspector)
    inspection.refresh_from_db()
    return inspection


@pytest.fixture
def visit_day(booked, time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 7, 9, tzinfo=dt.UTC), tick=False)
    return booked


# --- results ----------------------------------------------------------------------------------
def test_the_inspector_records_a_result_per_chassis(api_as, visit_day, inspector):
    response = record(api_as(inspector), visit_day, *BOTH)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "completed"
    first, second = body["lines"]
    assert (first["serial_number"], first["outcome"], second["serial_number"], second["outcome"]) == (
        "JN11AC220001",
        "passed",
        "JN11AC220002",
        "failed",
    )
    [result] = second["results"]
    assert result["passed"] is False
    assert result["checklist"] == {**ALL_YES, "powers_on": False}
    assert result["notes"] == "Dead PSU."
    assert (result["recorded_by"], result["recorded_by_name"]) == (inspector.pk, inspector.display_name)
    assert (result["corrects"], result["reason"]) == (None, "")
    assert result["recorded_at"].startswith("2026-12-07T09:00:00")
    assert body["timeline"][-1]["to"] == "completed"


def test_staff_may_record_results_too(api_as, visit_day, staff):
    assert record(api_as(staff), visit_day, *BOTH).status_code == 200


def test_a_missing_chassis_is_named(api_as, visit_day, inspector):
    response = record(api_as(inspector), visit_day, chassis("JN11AC220001"))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "results_incomplete"
    assert [entry for entry in body["missing"] if "JN11AC220002" in entry]
    assert "JN11AC220002" in body["detail"]


def test_a_required_item_left_unanswered_is_named(api_as, visit_day, inspector):
    unanswered = chassis("JN11AC220002")
    del unanswered["checklist"]["powers_on"]
    response = record(api_as(inspector), visit_day, chassis("JN11AC220001"), unanswered)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "results_incomplete"
    assert [entry for entry in body["missing"] if "JN11AC220002" in entry and "Powers on" in entry]
    assert "Powers on" in body["detail"]


def test_an_optional_item_may_stay_unanswered_and_an_answer_may_be_given(api_as, visit_day, inspector):
    answered = chassis("JN11AC220001", line_cards_seated=True)
    response = record(api_as(inspector), visit_day, answered, chassis("JN11AC220002"))
    assert response.status_code == 200, response.json()
    assert response.json()["lines"][0]["results"][0]["checklist"]["line_cards_seated"] is True


def test_a_chassis_without_a_verdict_is_named(api_as, visit_day, inspector):
    undecided = chassis("JN11AC220002")
    del undecided["passed"]
    response = record(api_as(inspector), visit_day, chassis("JN11AC220001"), undecided)
    assert response.status_code == 400
    assert response.json()["code"] == "results_incomplete"
    assert "JN11AC220002" in response.json()["detail"]


def test_a_serial_not_on_the_visit_or_an_unknown_item_is_a_field_error(api_as, visit_day, inspector):
    stranger = record(api_as(inspector), visit_day, *BOTH, chassis("JN11AC229999"))
    assert stranger.status_code == 400
    assert "JN11AC229999" in str(stranger.json()["results"])
    unknown = record(api_as(inspector), visit_day, chassis("JN11AC220001", smells_fine=True), BOTH[1])
    assert unknown.status_code == 400
    assert "smells_fine" in str(unknown.json()["results"])


def test_garbage_is_refused_without_a_500(api_as, visit_day, inspector):
    client = api_as(inspector)
    url = f"/api/v1/inspections/{visit_day.pk}/results/"
    for body in (
        {},
        {"results": "all good"},
        {"results": [42]},
        {"results": [{"checklist": {"a": "maybe"}}]},
    ):
        assert client.post(url, body, format="json").status_code == 400, body


def test_results_wait_for_the_visit_day(api_as, booked, inspector):
    response = record(api_as(inspector), booked, *BOTH)
    assert response.status_code == 409
    assert response.json()["code"] == "visit_not_yet"
    assert "Mon 7 Dec 2026" in response.json()["detail"]


def test_results_are_final(api_as, visit_day, inspector):
    assert record(api_as(inspector), visit_day, *BOTH).status_code == 200
    again = record(api_as(inspector), visit_day, chassis("JN11AC220001"), chassis("JN11AC220002"))
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"


def test_results_need_a_booked_visit(api_as, inspection, inspector, staff):
    response = record(api_as(staff), inspection, *BOTH)
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


# --- corrections --------------------------------------------------------------------------------
@pytest.fixture
def recorded(api_as, visit_day, inspector):
    assert record(api_as(inspector), visit_day, *BOTH).status_code == 200
    return visit_day


def correct(client, inspection, **body):
    return client.post(f"/api/v1/inspections/{inspection.pk}/corrections/", body, format="json")


def test_a_staff_correction_keeps_the_original(api_as, recorded, staff, inspector, customer):
    response = correct(
        api_as(staff),
        recorded,
        serial_number="JN11AC220002",
        passed=True,
        checklist=ALL_YES,
        notes="PSU reseated; powers on.",
        reason="The inspector's photo shows the PSU unseated.",
    )
    assert response.status_code == 201, response.json()
    line = response.json()["lines"][1]
    assert line["outcome"] == "passed"
    original, correction = line["results"]
    assert (original["passed"], original["recorded_by"], original["corrects"]) == (False, inspector.pk, None)
    assert (correction["passed"], correction["recorded_by"], correction["corrects"]) == (
        True,
        staff.pk,
        original["id"],
    )
    assert correction["reason"] == "The inspector's photo shows the PSU unseated."

    request = api_as(customer).get(f"/api/v1/requests/{recorded.request_id}/").json()
    assert request["status"] == "inspected"
    final = api_as(customer).get(f"/api/v1/quotes/{request['quote']}/").json()
    assert final["total"] == "6874.00"  # both chassis passed now: 2 x 3,437.00


def test_a_correction_needs_a_reason(api_as, recorded, staff):
    response = correct(api_as(staff), recorded, serial_number="JN11AC220002", passed=True, checklist=ALL_YES)
    assert response.status_code == 400
    assert "reason" in response.json()
    blank = correct(
        api_as(staff), recorded, serial_number="JN11AC220002", passed=True, checklist=ALL_YES, reason="  "
    )
    assert blank.status_code == 400
    assert "reason" in blank.json()


def test_only_staff_correct(api_as, recorded, inspector):
    response = correct(
        api_as(inspector), recorded, serial_number="JN11AC220002", passed=True, checklist=ALL_YES, reason="x"
    )
    assert response.status_code == 403


def test_nothing_to_correct_before_results(api_as, visit_day, staff):
    response = correct(
        api_as(staff), visit_day, serial_number="JN11AC220002", passed=True, checklist=ALL_YES, reason="x"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


# --- photos -------------------------------------------------------------------------------------
def upload(client, inspection, content: bytes, name: str, serial: str = "JN11AC220001"):
    return client.post(
        f"/api/v1/inspections/{inspection.pk}/photos/",
        {"serial_number": serial, "file": SimpleUploadedFile(name, content, content_type="image/png")},
        format="multipart",
    )


@pytest.mark.parametrize(("content", "name"), [(PNG, "front.png"), (JPEG, "label.jpg")])
def test_the_inspector_adds_photos_the_customer_downloads_them(
    api_as, booked, inspector, customer, content, name
):
    response = upload(api_as(inspector), booked, content, name)
    assert response.status_code == 201, response.json()
    photo = response.json()
    assert (photo["serial_number"], photo["name"]) == ("JN11AC220001", name)
    detail = api_as(customer).get(f"/api/v1/inspections/{booked.pk}/").json()
    assert [(p["id"], p["name"]) for p in detail["lines"][0]["photos"]] == [(photo["id"], name)]
    download = api_as(customer).get(f"/api/v1/inspections/{booked.pk}/photos/{photo['id']}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content


def test_a_photo_is_judged_by_its_content(api_as, booked, inspector):
    response = upload(api_as(inspector), booked, PDF, "front.png")
    assert response.status_code == 400
    assert response.json()["code"] == "unsupported_file_type"


def test_a_photo_of_a_chassis_not_on_the_visit_is_a_field_error(api_as, booked, inspector):
    response = upload(api_as(inspector), booked, PNG, "front.png", serial="JN11AC229999")
    assert response.status_code == 400
    assert "serial_number" in response.json()


def test_a_photo_larger_than_10_mb_is_refused(api_as, booked, inspector):
    response = upload(api_as(inspector), booked, PNG + b"\x00" * (10 * 1024 * 1024), "huge.png")
    assert response.status_code == 400
    assert response.json()["code"] == "file_too_large"


def test_no_photos_after_results(api_as, recorded, inspector):
    response = upload(api_as(inspector), recorded, PNG, "late.png")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_an_unknown_photo_is_not_found(api_as, booked, customer):
    assert api_as(customer).get(f"/api/v1/inspections/{booked.pk}/photos/999999/").status_code == 404
