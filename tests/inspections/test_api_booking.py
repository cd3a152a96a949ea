"""Booking and moving a visit through the API: the lead time in GB business days, bank holidays,
inspector coverage, absence and capacity, the days offered for a move, the customer's cut-off and
limit, and the timeline of moves. Time is frozen on Friday 20 November 2026 (ten business days on
is Friday 4 December); Christmas Day (Fri 25 Dec) and Boxing Day observed (Mon 28 Dec) are GB bank
holidays."""

import datetime as dt

import pytest

from inspections.models import Absence
from inspections.services.visits import inspection_schedule
from tests.inspections.visits import MONDAY, TUESDAY, accepted_inspection, another_inspector

pytestmark = pytest.mark.django_db


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


def schedule(client, inspection, date: str, inspector_id: int):
    return client.post(
        f"/api/v1/inspections/{inspection.pk}/schedule/",
        {"date": date, "inspector": inspector_id},
        format="json",
    )


def reschedule(client, inspection, date: str):
    return client.post(f"/api/v1/inspections/{inspection.pk}/reschedule/", {"date": date}, format="json")


def offered(client, inspection) -> list[str]:
    response = client.get(f"/api/v1/inspections/{inspection.pk}/available-dates/")
    assert response.status_code == 200
    return response.json()["dates"]


# --- staff book -------------------------------------------------------------------------------
def test_staff_book_a_visit(api_as, inspection, staff, inspector, customer):
    response = schedule(api_as(staff), inspection, "2026-12-04", inspector.pk)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["date"], body["inspector"], body["reschedules"]) == (
        "scheduled",
        "2026-12-04",
        inspector.pk,
        0,
    )
    assert body["timeline"][-1]["to"] == "scheduled"
    assert body["timeline"][-1]["actor"] == "staff"
    assert "Fri 4 Dec 2026" in body["timeline"][-1]["reason"]
    request = api_as(customer).get(f"/api/v1/requests/{inspection.request_id}/").json()
    assert request["status"] == "inspection_scheduled"


def test_inside_the_lead_time_names_the_earliest_date(api_as, inspection, staff, inspector):
    response = schedule(api_as(staff), inspection, "2026-12-03", inspector.pk)
    assert response.status_code == 400
    assert response.json()["code"] == "lead_time"
    assert response.json()["earliest_date"] == "2026-12-04"
    assert "Fri 4 Dec 2026" in response.json()["detail"]


def test_the_lead_time_skips_gb_bank_holidays(api_as, inspection, staff, inspector, time_machine):
    # From Friday 11 December, ten GB business days pass over Christmas and Boxing Day (observed
    # Monday 28th): 14-18, 21-24, then Tuesday 29 December.
    time_machine.move_to(at(dt.date(2026, 12, 11)), tick=False)
    response = schedule(api_as(staff), inspection, "2026-12-24", inspector.pk)
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["earliest_date"]) == ("lead_time", "2026-12-29")
    assert schedule(api_as(staff), inspection, "2026-12-29", inspector.pk).status_code == 200


@pytest.mark.parametrize(
    ("date", "words"), [("2026-12-25", "Christmas Day"), ("2026-12-05", "not a business day")]
)
def test_bank_holidays_and_weekends_cannot_be_booked(api_as, inspection, staff, inspector, date, words):
    response = schedule(api_as(staff), inspection, date, inspector.pk)
    assert response.status_code == 400
    assert response.json()["code"] == "not_a_business_day"
    assert words in response.json()["detail"]


def test_an_inspector_who_does_not_cover_the_country_is_unavailable(api_as, inspection, staff, operator):
    french = another_inspector(operator, "inspector_fr", "FR").user
    response = schedule(api_as(staff), inspection, "2026-12-07", french.pk)
    assert response.status_code == 400
    assert response.json()["code"] == "inspector_unavailable"
    assert "GB" in response.json()["detail"]


def test_an_inspector_away_that_day_is_unavailable(api_as, inspection, staff, inspector, gb_inspector):
    Absence.objects.create(inspector=gb_inspector, starts_on=MONDAY, ends_on=TUESDAY, note="Training")
    response = schedule(api_as(staff), inspection, "2026-12-08", inspector.pk)
    assert response.status_code == 400
    assert response.json()["code"] == "inspector_unavailable"
    assert "away" in response.json()["detail"]
    assert schedule(api_as(staff), inspection, "2026-12-09", inspector.pk).status_code == 200


def test_a_full_day_is_a_conflict(api_as, inspection, juniper, customer, partner, staff, inspector):
    juniper.inspections_per_inspector_per_day = 1
    juniper.save()
    other = accepted_inspection(customer, partner, "JN11AC220003", "JN11AC220004")
    inspection_schedule(inspection=other, user=staff, date=MONDAY, inspector=inspector)
    response = schedule(api_as(staff), inspection, "2026-12-07", inspector.pk)
    assert response.status_code == 409
    assert response.json()["code"] == "capacity_full"
    assert schedule(api_as(staff), inspection, "2026-12-08", inspector.pk).status_code == 200


def test_only_an_inspector_can_be_booked(api_as, inspection, staff):
    response = schedule(api_as(staff), inspection, "2026-12-07", staff.pk)
    assert response.status_code == 400
    assert "inspector" in response.json()
    missing = schedule(api_as(staff), inspection, "2026-12-07", 999_999)
    assert missing.status_code == 400
    assert "inspector" in missing.json()


def test_bad_input_is_named_by_field(api_as, inspection, staff):
    response = api_as(staff).post(
        f"/api/v1/inspections/{inspection.pk}/schedule/", {"date": "next week"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"date", "inspector"}


# --- the days offered -------------------------------------------------------------------------
def test_offered_days_are_gb_business_days_beyond_the_lead_time(api_as, inspection, customer):
    dates = offered(api_as(customer), inspection)
    assert dates[0] == "2026-12-04"
    assert "2026-12-24" in dates
    assert "2026-12-25" not in dates and "2026-12-28" not in dates  # bank holidays
    assert all(dt.date.fromisoformat(day).weekday() < 5 for day in dates)


def test_offered_days_leave_out_full_days_and_days_away(
    api_as, inspection, juniper, customer, partner, staff, inspector, gb_inspector
):
    juniper.inspections_per_inspector_per_day = 1
    juniper.save()
    other = accepted_inspection(customer, partner, "JN11AC220003")
    inspection_schedule(inspection=other, user=staff, date=TUESDAY, inspector=inspector)
    Absence.objects.create(
        inspector=gb_inspector, starts_on=dt.date(2026, 12, 10), ends_on=dt.date(2026, 12, 10)
    )
    dates = offered(api_as(customer), inspection)
    assert "2026-12-07" in dates and "2026-12-09" in dates
    assert "2026-12-08" not in dates  # the only GB inspector is full
    assert "2026-12-10" not in dates  # and away


def test_a_second_inspector_frees_the_day(
    api_as, inspection, juniper, customer, partner, staff, inspector, operator
):
    juniper.inspections_per_inspector_per_day = 1
    juniper.save()
    other = accepted_inspection(customer, partner, "JN11AC220003")
    inspection_schedule(inspection=other, user=staff, date=TUESDAY, inspector=inspector)
    another_inspector(operator, "inspector2", "GB")
    assert "2026-12-08" in offered(api_as(customer), inspection)


# --- the customer or its partner move it ------------------------------------------------------
@pytest.fixture
def booked(inspection, staff, inspector):
    """Booked with `inspector` for Tuesday 8 December."""
    inspection_schedule(inspection=inspection, user=staff, date=TUESDAY, inspector=inspector)
    inspection.refresh_from_db()
    return inspection


def test_the_customer_moves_the_visit_and_the_timeline_shows_both_dates(api_as, booked, customer, inspector):
    response = reschedule(api_as(customer), booked, "2026-12-09")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["date"], body["inspector"], body["reschedules"], body["reschedules_left"]) == (
        "2026-12-09",
        inspector.pk,
        1,
        1,
    )
    move = body["timeline"][-1]
    assert (move["from"], move["to"], move["actor"]) == ("scheduled", "scheduled", "customer")
    assert "Tue 8 Dec 2026" in move["reason"] and "Wed 9 Dec 2026" in move["reason"]


def test_a_move_is_refused_inside_the_cut_off(api_as, booked, customer, time_machine):
    # Two business days before Tuesday 8 December: Monday 7th and Friday 4th. The last day to
    # move it is Friday 4th.
    time_machine.move_to(at(MONDAY), tick=False)
    response = reschedule(api_as(customer), booked, "2026-12-22")
    assert response.status_code == 400
    assert response.json()["code"] == "reschedule_cutoff"
    assert "Fri 4 Dec 2026" in response.json()["detail"]


def test_a_move_on_the_last_day_before_the_cut_off_is_allowed(api_as, booked, customer, time_machine):
    time_machine.move_to(at(dt.date(2026, 12, 4)), tick=False)
    # From Friday 4 December the lead time reaches Friday 18 December.
    assert offered(api_as(customer), booked)[0] == "2026-12-18"
    response = reschedule(api_as(customer), booked, "2026-12-18")
    assert response.status_code == 200, response.json()
    assert response.json()["date"] == "2026-12-18"


def test_moves_past_the_vendors_limit_are_refused(api_as, booked, juniper, partner):
    juniper.max_customer_reschedules = 1
    juniper.save()
    first = reschedule(api_as(partner), booked, "2026-12-09")
    assert first.status_code == 200
    assert first.json()["reschedules_left"] == 0
    second = reschedule(api_as(partner), booked, "2026-12-10")
    assert second.status_code == 400
    assert second.json()["code"] == "reschedule_limit"


def test_staff_moves_do_not_count_against_the_customer(api_as, booked, juniper, staff, customer, inspector):
    juniper.max_customer_reschedules = 1
    juniper.save()
    assert schedule(api_as(staff), booked, "2026-12-09", inspector.pk).json()["reschedules"] == 0
    assert reschedule(api_as(customer), booked, "2026-12-10").status_code == 200


@pytest.mark.parametrize(
    ("date", "code"),
    [("2026-12-03", "lead_time"), ("2026-12-25", "not_a_business_day")],
)
def test_a_move_follows_the_booking_rules(api_as, booked, customer, date, code):
    response = reschedule(api_as(customer), booked, date)
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_a_move_to_a_day_nobody_is_free_is_refused(
    api_as, booked, juniper, customer, partner, staff, inspector, gb_inspector
):
    juniper.inspections_per_inspector_per_day = 1
    juniper.save()
    other = accepted_inspection(customer, partner, "JN11AC220003")
    inspection_schedule(inspection=other, user=staff, date=dt.date(2026, 12, 9), inspector=inspector)
    full = reschedule(api_as(customer), booked, "2026-12-09")
    assert (full.status_code, full.json()["code"]) == (409, "capacity_full")
    Absence.objects.create(
        inspector=gb_inspector, starts_on=dt.date(2026, 12, 10), ends_on=dt.date(2026, 12, 10)
    )
    away = reschedule(api_as(customer), booked, "2026-12-10")
    assert (away.status_code, away.json()["code"]) == (400, "inspector_unavailable")


def test_a_visit_not_yet_booked_cannot_be_moved(api_as, inspection, customer):
    response = reschedule(api_as(customer), inspection, "2026-12-09")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_staff_book_again_rather_than_move(api_as, booked, staff):
    assert reschedule(api_as(staff), booked, "2026-12-09").status_code == 403
