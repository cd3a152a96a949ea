"""The visit's rules through its services: the days offered, the reminder, the calendar files,
versioned checklists, corrections and what the final quote keeps. Time is frozen on Friday
20 November 2026; dates and amounts below were worked out by hand from DOMAIN.md and a
calendar (GB bank holidays: Fri 25 and Mon 28 December 2026, Fri 1 January 2027)."""

import datetime as dt
from decimal import Decimal

import pytest
from icalendar import Calendar

from common.errors import Conflict, DomainError, InvalidInput
from contracts.models import Quote
from inspections.models import Absence, ChecklistVersion, Inspection, InspectionResult
from inspections.selectors import available_dates
from inspections.services import checklists, notices, results, visits
from notices.models import Notice
from notices.services import notice_deliver
from relicensing.models import Request
from relicensing.services.requests import request_cancel
from tests.inspections.visits import MONDAY, TUESDAY, accepted_inspection, another_inspector, answers

pytestmark = pytest.mark.django_db

D = dt.date


def at(time_machine, day: dt.date, hour: int = 9) -> None:
    time_machine.move_to(dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC), tick=False)


def book(inspection, staff, inspector, day=MONDAY):
    return visits.inspection_schedule(inspection=inspection, user=staff, date=day, inspector=inspector)


def record(inspection, user, *passed: bool):
    serials = ["JN11AC220001", "JN11AC220002"]
    return results.inspection_results_record(
        inspection=inspection,
        user=user,
        results=[
            {"serial_number": s, "passed": p, "checklist": answers(p), "notes": ""}
            for s, p in zip(serials, passed, strict=False)
        ],
    )


# --- the days offered ---------------------------------------------------------------------
def test_offered_days_skip_the_lead_time_weekends_holidays_full_and_away_days(
    inspection, juniper, customer, partner, staff, inspector, gb_inspector
):
    juniper.inspections_per_inspector_per_day = 1
    juniper.save()
    other = accepted_inspection(customer, partner, "JN11AC220003")
    book(other, staff, inspector, MONDAY)  # the only inspector's Monday is full
    Absence.objects.create(inspector=gb_inspector, starts_on=D(2026, 12, 9), ends_on=D(2026, 12, 10))
    offered = available_dates(inspection=inspection, days=20)
    assert offered[:8] == [
        D(2026, 12, 4),  # the earliest: ten business days after Fri 20 Nov
        D(2026, 12, 8),  # Mon 7 full; Wed 9 and Thu 10 away
        D(2026, 12, 11),
        D(2026, 12, 14),
        D(2026, 12, 15),
        D(2026, 12, 16),
        D(2026, 12, 17),
        D(2026, 12, 18),
    ]
    assert D(2026, 12, 25) not in offered and D(2026, 12, 28) not in offered  # Christmas, Boxing Day
    assert D(2026, 12, 24) in offered and D(2026, 12, 29) in offered


def test_no_day_is_offered_where_no_inspector_covers_the_country(inspection, gb_inspector):
    gb_inspector.countries = ["FR"]
    gb_inspector.save()
    assert available_dates(inspection=inspection) == []


def test_the_visit_does_not_count_against_its_own_inspectors_day(
    inspection, juniper, staff, inspector, time_machine
):
    # One visit a day: the visit on Monday may move to Tuesday and back, its own booking never
    # filling the day it leaves or the day it goes to.
    juniper.inspections_per_inspector_per_day = 1
    juniper.max_customer_reschedules = 5
    juniper.save()
    inspection = book(inspection, staff, inspector, MONDAY)
    assert TUESDAY in available_dates(inspection=inspection)
    assert MONDAY not in available_dates(inspection=inspection)  # where it is already
    inspection = book(inspection, staff, inspector, TUESDAY)
    assert MONDAY in available_dates(inspection=inspection)


# --- booking rules through the service ------------------------------------------------
def test_booking_refuses_inside_the_lead_time_on_holidays_and_other_countries(
    inspection, staff, inspector, gb_inspector, operator
):
    with pytest.raises(DomainError) as early:
        book(inspection, staff, inspector, D(2026, 12, 3))
    assert (early.value.code, early.value.extra["earliest_date"]) == ("lead_time", "2026-12-04")
    with pytest.raises(DomainError) as holiday:
        book(inspection, staff, inspector, D(2026, 12, 28))
    assert holiday.value.code == "not_a_business_day" and "Boxing Day" in holiday.value.detail
    gb_inspector.countries = ["IE"]
    gb_inspector.save()
    with pytest.raises(DomainError) as elsewhere:
        book(inspection, staff, inspector, MONDAY)
    assert elsewhere.value.code == "inspector_unavailable"
    assert "does not cover GB" in elsewhere.value.detail
    with pytest.raises(InvalidInput):
        book(inspection, staff, staff, MONDAY)  # not an inspector at all


def test_an_inspector_away_that_day_cannot_be_booked(inspection, staff, inspector, gb_inspector):
    Absence.objects.create(inspector=gb_inspector, starts_on=MONDAY, ends_on=MONDAY, note="Training")
    with pytest.raises(DomainError) as away:
        book(inspection, staff, inspector, MONDAY)
    assert away.value.code == "inspector_unavailable" and "away on Mon 7 Dec 2026" in away.value.detail
    book(inspection, staff, inspector, TUESDAY)


def test_the_customer_moves_until_the_cut_off_and_up_to_the_limit(
    inspection, juniper, customer, partner, staff, inspector, time_machine
):
    juniper.reschedule_cutoff_business_days = 2
    juniper.max_customer_reschedules = 2
    juniper.save()
    book(inspection, staff, inspector, D(2026, 12, 9))  # Wednesday
    visits.inspection_reschedule(inspection=inspection, user=partner, date=D(2026, 12, 10))  # first move
    visits.inspection_reschedule(inspection=inspection, user=customer, date=D(2026, 12, 11))  # second
    with pytest.raises(DomainError) as limit:
        visits.inspection_reschedule(inspection=inspection, user=customer, date=D(2026, 12, 14))
    assert limit.value.code == "reschedule_limit"
    # The cut-off, two business days: a visit on Friday 11 December moves until Wednesday 9.
    juniper.max_customer_reschedules = 5
    juniper.save()
    at(time_machine, D(2026, 12, 9))
    visits.inspection_reschedule(inspection=inspection, user=customer, date=D(2026, 12, 24))  # Thursday
    # Thursday 24 December moves until Tuesday 22 (Wed 23 and Tue 22 are the two days before).
    at(time_machine, D(2026, 12, 23))
    with pytest.raises(DomainError) as cutoff:
        visits.inspection_reschedule(inspection=inspection, user=customer, date=D(2027, 1, 11))
    assert cutoff.value.code == "reschedule_cutoff"
    assert "can be moved until Tue 22 Dec 2026" in cutoff.value.detail
    at(time_machine, D(2026, 12, 22))
    # Ten GB business days after Tue 22 Dec: 23 24 | 29 30 31 | 4 5 6 7 8 Jan.
    visits.inspection_reschedule(inspection=inspection, user=customer, date=D(2027, 1, 8))
    moves = inspection.transitions.filter(from_status="scheduled", to_status="scheduled").order_by("pk")
    assert [m.reason for m in moves] == [
        "Moved from Wed 9 Dec 2026 to Thu 10 Dec 2026.",
        "Moved from Thu 10 Dec 2026 to Fri 11 Dec 2026.",
        "Moved from Fri 11 Dec 2026 to Thu 24 Dec 2026.",
        "Moved from Thu 24 Dec 2026 to Fri 8 Jan 2027.",
    ]
    inspection.refresh_from_db()
    assert (inspection.date, inspection.reschedules) == (D(2027, 1, 8), 4)


def test_the_customer_cannot_move_a_visit_not_yet_booked(inspection, customer):
    with pytest.raises(Conflict) as unbooked:
        visits.inspection_reschedule(inspection=inspection, user=customer, date=MONDAY)
    assert unbooked.value.code == "invalid_transition"


# --- the reminder and the calendar files -----------------------------------------------------
def test_the_reminder_goes_on_the_business_day_before_once_however_often_the_sweep_runs(
    inspection, staff, inspector, customer, partner, time_machine
):
    book(inspection, staff, inspector, MONDAY)
    at(time_machine, D(2026, 12, 3))  # Thursday: Monday is not the next business day
    assert notices.inspection_reminders_send() == 0
    at(time_machine, D(2026, 12, 4))  # Friday, the business day before Monday
    notices.inspection_reminders_send()
    notices.inspection_reminders_send()  # the hourly sweep runs again
    reminded = Notice.objects.filter(event="inspection_reminder")
    assert sorted(n.recipient.username for n in reminded) == ["customer", "inspector", "partner"]
    assert reminded.get(recipient=inspector).subject == "Next visit: Acme HQ, Mon 7 Dec 2026"
    at(time_machine, D(2026, 12, 5))  # Saturday: still the day before the next business day
    notices.inspection_reminders_send()
    assert reminded.count() == 3


def test_a_moved_visit_is_reminded_again_for_its_new_day(
    inspection, juniper, staff, inspector, customer, time_machine
):
    juniper.reschedule_cutoff_business_days = 0
    juniper.save()
    book(inspection, staff, inspector, D(2026, 12, 9))
    at(time_machine, D(2026, 12, 8))
    notices.inspection_reminders_send()
    # Ten business days after Tue 8 Dec: 9 10 11 14 15 16 17 18 21 22.
    visits.inspection_reschedule(inspection=inspection, user=customer, date=D(2026, 12, 23))
    at(time_machine, D(2026, 12, 22))
    notices.inspection_reminders_send()
    dates = sorted(
        n.context["date"] for n in Notice.objects.filter(event="inspection_reminder", recipient=customer)
    )
    assert dates == ["2026-12-09", "2026-12-23"]


def attached_calendar(notice: Notice) -> Calendar:
    (attachment,) = notice.attachments
    assert attachment["content_type"].startswith("text/calendar")
    return Calendar.from_ical(attachment["content"])


def test_the_booking_notice_carries_the_visit_as_a_calendar_file_that_parses_back(
    inspection, staff, inspector, customer, mailbox
):
    book(inspection, staff, inspector, MONDAY)
    notice = Notice.objects.get(event="inspection_scheduled", recipient=inspector)
    calendar = attached_calendar(notice)
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == MONDAY
    assert event.decoded("dtend") == TUESDAY  # an all-day event
    assert str(event["summary"]) == f"Inspection {inspection.request.number}: Acme HQ (2 chassis)"
    assert str(event["location"]) == "1 Network Way, Leeds LS1 1AA"
    assert "JN11AC220001, JN11AC220002" in str(event["description"])
    assert str(calendar["method"]) == "PUBLISH"
    first_uid, first_sequence = str(event["uid"]), int(event["sequence"])

    assert notice_deliver(notice_id=notice.pk)
    (message,) = mailbox
    parts = {part.get_content_type(): part for part in message.walk() if not part.is_multipart()}
    assert (
        Calendar.from_ical(parts["text/calendar"].get_payload(decode=True))
        .walk("VEVENT")[0]
        .decoded("dtstart")
        == MONDAY
    )

    visits.inspection_reschedule(inspection=inspection, user=customer, date=TUESDAY)
    moved = Notice.objects.get(event="inspection_rescheduled", recipient=inspector)
    (event,) = attached_calendar(moved).walk("VEVENT")
    assert str(event["uid"]) == first_uid  # the same event, updated in the calendar
    assert int(event["sequence"]) == first_sequence + 1
    assert event.decoded("dtstart") == TUESDAY
    assert (
        f"moved from Mon 7 Dec 2026 to Tue 8 Dec 2026 by {customer.display_name} of Acme Networks."
        in moved.render("body.txt")
    )


def test_staff_and_the_inspector_are_told_of_a_move(inspection, staff, inspector, partner, customer):
    book(inspection, staff, inspector, MONDAY)
    visits.inspection_reschedule(inspection=inspection, user=partner, date=TUESDAY)
    told = Notice.objects.filter(event="inspection_rescheduled")
    assert sorted(n.recipient.username for n in told) == ["customer", "inspector", "partner", "staff"]
    assert "on your behalf" in told.get(recipient=customer).render("body.txt")


def test_a_cancelled_request_cancels_the_visit_in_everyones_calendar(inspection, staff, inspector, customer):
    book(inspection, staff, inspector, MONDAY)
    request_cancel(request=inspection.request, user=customer, reason="Sold the kit on.")
    inspection.refresh_from_db()
    assert inspection.status == "cancelled"
    told = Notice.objects.filter(event="inspection_cancelled")
    # Everyone who was sent the visit for their calendar is sent its cancellation.
    assert sorted(n.recipient.username for n in told) == ["customer", "inspector", "partner"]
    for notice in told:
        calendar = attached_calendar(notice)
        assert str(calendar["method"]) == "CANCEL"
        assert str(calendar.walk("VEVENT")[0]["status"]) == "CANCELLED"
    assert "will not take place: The request was cancelled. Sold the kit on." in told.get(
        recipient=customer
    ).render("body.txt")


def test_an_inspector_taken_off_a_visit_has_it_removed_from_their_calendar(
    inspection, operator, staff, inspector, customer
):
    book(inspection, staff, inspector, MONDAY)
    second = another_inspector(operator)
    book(inspection, staff, second.user, TUESDAY)
    taken_off = Notice.objects.get(event="inspection_cancelled", recipient=inspector)
    calendar = attached_calendar(taken_off)
    (event,) = calendar.walk("VEVENT")
    assert (str(calendar["method"]), str(event["status"])) == ("CANCEL", "CANCELLED")
    number = inspection.request.number
    assert taken_off.subject == f"Visit moved to another inspector: Acme HQ, Mon 7 Dec 2026 ({number})"
    moved = Notice.objects.get(event="inspection_rescheduled", recipient=second.user)
    assert str(attached_calendar(moved)["method"]) == "PUBLISH"
    assert not Notice.objects.filter(event="inspection_rescheduled", recipient=inspector).exists()


def test_calendar_files_name_the_programme_as_organiser_and_no_attendees(inspection, staff, inspector):
    # RFC 5546: PUBLISH and CANCEL carry an ORGANIZER and no ATTENDEE.
    book(inspection, staff, inspector, MONDAY)
    (event,) = attached_calendar(Notice.objects.get(event="inspection_scheduled", recipient=inspector)).walk(
        "VEVENT"
    )
    assert str(event["organizer"]) == "mailto:noreply@relicensing.example"
    assert "attendee" not in event
    assert f"Inspector: {inspector.display_name}" in str(event["description"])


def test_the_reminder_waits_for_the_business_day_before_even_after_a_long_holiday(
    frozen_friday, customer, partner, acx2200, operator, juniper_checklist, staff
):
    # In Russia the New Year holidays run to Friday 8 January 2027: a visit on Monday 11 January is
    # reminded on Wednesday 30 December, the last business day before it, not a week ahead.
    russia = another_inspector(operator, "inspector_ru", "RU")
    inspection = accepted_inspection(customer, partner)
    Request.objects.filter(pk=inspection.request_id).update(site_country="RU")
    visits.inspection_schedule(inspection=inspection, user=staff, date=D(2027, 1, 11), inspector=russia.user)
    for day in (D(2026, 12, 28), D(2026, 12, 29)):
        notices.inspection_reminders_send(today=day)
    assert not Notice.objects.filter(event="inspection_reminder").exists()
    notices.inspection_reminders_send(today=D(2026, 12, 30))
    assert Notice.objects.filter(event="inspection_reminder").count() == 3


def test_staff_booking_the_same_day_and_inspector_again_changes_nothing(inspection, staff, inspector):
    book(inspection, staff, inspector, MONDAY)
    with pytest.raises(InvalidInput) as again:
        book(inspection, staff, inspector, MONDAY)
    assert again.value.fields["date"] == [
        "The visit is already booked on Mon 7 Dec 2026 with " + inspector.display_name + "."
    ]
    assert not Notice.objects.filter(event="inspection_rescheduled").exists()


def test_a_visit_more_than_a_year_ahead_is_refused(inspection, staff, inspector):
    with pytest.raises(DomainError) as far:
        book(inspection, staff, inspector, D(9999, 12, 31))
    assert far.value.code == "date_too_far_ahead"
    assert (
        "up to a year ahead: Sun 21 Nov 2027 at the latest"
    )  # 366 days after Fri 20 Nov 2026 in far.value.detail


def test_a_chassis_cannot_pass_with_a_required_item_answered_no(inspection, staff, inspector, time_machine):
    book(inspection, staff, inspector, MONDAY)
    at(time_machine, MONDAY)
    with pytest.raises(InvalidInput) as contradiction:
        results.inspection_results_record(
            inspection=inspection,
            user=inspector,
            results=[
                {"serial_number": "JN11AC220001", "passed": True, "checklist": answers(powers_on=False)},
                {"serial_number": "JN11AC220002", "passed": True, "checklist": answers()},
            ],
        )
    assert contradiction.value.fields["results"] == [
        'JN11AC220001: marked passed, but "Powers on" is answered no; a required item is a condition of passing.'
    ]


# --- checklists ------------------------------------------------------------------------------
def test_a_checklist_change_is_a_new_version_and_open_visits_keep_theirs(
    inspection, juniper, juniper_checklist, customer, partner, staff, inspector, time_machine
):
    assert inspection.checklist_version == juniper_checklist
    version_2 = checklists.checklist_publish(
        vendor=juniper,
        user=staff,
        items=[*juniper_checklist.items, {"text": "Fans spin up", "required": True}],
        note="Fans added",
    )
    assert (version_2.version, version_2.items[-1]["key"]) == (2, "fans_spin_up")
    with pytest.raises(ValueError):
        juniper_checklist.save()  # a published version is never edited
    assert Inspection.objects.get(pk=inspection.pk).checklist_version.version == 1
    later = accepted_inspection(customer, partner, "JN11AC220003")
    assert later.checklist_version == version_2
    # The older visit's results are judged by version 1: no fan question, and none accepted.
    book(inspection, staff, inspector, MONDAY)
    at(time_machine, MONDAY)
    with pytest.raises(InvalidInput) as unknown:
        results.inspection_results_record(
            inspection=inspection,
            user=inspector,
            results=[
                {"serial_number": s, "passed": True, "checklist": answers(fans_spin_up=True)}
                for s in ("JN11AC220001", "JN11AC220002")
            ],
        )
    assert "no checklist item fans_spin_up in version 1" in str(unknown.value.detail)
    record(inspection, inspector, True, True)
    assert ChecklistVersion.objects.filter(vendor=juniper).count() == 2


def test_only_staff_publish_checklists(juniper, inspector):
    from common.errors import NotPermitted

    with pytest.raises(NotPermitted):
        checklists.checklist_publish(vendor=juniper, user=inspector, items=[{"text": "x", "required": True}])


# --- results, corrections, the final quote -------------------------------------------------
def test_results_are_refused_before_the_visit_day_and_when_incomplete(
    inspection, staff, inspector, time_machine
):
    book(inspection, staff, inspector, MONDAY)
    with pytest.raises(Conflict) as early:
        record(inspection, inspector, True, True)
    assert early.value.code == "visit_not_yet"
    at(time_machine, MONDAY)
    with pytest.raises(DomainError) as incomplete:
        results.inspection_results_record(
            inspection=inspection,
            user=inspector,
            results=[{"serial_number": "JN11AC220001", "passed": True, "checklist": answers(powers_on=None)}],
        )
    assert incomplete.value.code == "results_incomplete"
    assert incomplete.value.extra["missing"] == ["JN11AC220002: no result", "JN11AC220001: Powers on"]


def test_a_correction_keeps_the_original_and_issues_the_final_quote_again(
    inspection, staff, inspector, time_machine
):
    book(inspection, staff, inspector, MONDAY)
    at(time_machine, MONDAY, hour=15)
    record(inspection, inspector, True, True)
    request = inspection.request
    first_final = Quote.objects.get(request=request, status="accepted")
    assert first_final.is_final and first_final.total == Decimal("6874.00")  # 2 x 3,437
    results.inspection_result_correct(
        inspection=inspection,
        user=staff,
        result={
            "serial_number": "JN11AC220002",
            "passed": False,
            "checklist": answers(True, diagnostics_pass=False),
        },
        reason="Diagnostics log shows a failed fan tray; the inspector ticked the wrong box.",
    )
    second = InspectionResult.objects.filter(line__serial_number="JN11AC220002").order_by("pk")
    original, correction = list(second)
    assert (original.passed, correction.passed, correction.corrects) == (True, False, original)
    assert correction.reason.startswith("Diagnostics log")
    final = Quote.objects.get(request=request, status="accepted")
    assert final.revision == first_final.revision + 1
    assert final.total == Decimal("4437.00")  # 3,437 for the one that passed + 1,000 inspection fee
    kept = final.lines.filter(serial_number="JN11AC220002")
    assert [(line.kind, line.amount) for line in kept] == [("inspection", Decimal("1000.00"))]
    request.refresh_from_db()
    assert request.status == "inspected"
    # The last passing chassis corrected to failed: nothing can be reinstated.
    results.inspection_result_correct(
        inspection=inspection,
        user=staff,
        result={
            "serial_number": "JN11AC220001",
            "passed": False,
            "checklist": answers(True, no_tampering=False),
        },
        reason="Seal broken on the photo.",
    )
    request.refresh_from_db()
    assert request.status == "failed_inspection"
    assert Quote.objects.get(request=request, status="accepted").total == Decimal("2000.00")


def test_accepting_the_quote_opens_the_visit_with_a_line_per_chassis(inspection, juniper_checklist):
    assert inspection.status == "unscheduled"
    assert [(line.serial_number, line.outcome) for line in inspection.lines.all()] == [
        ("JN11AC220001", "pending"),
        ("JN11AC220002", "pending"),
    ]
    assert inspection.checklist_version == juniper_checklist
    opened = inspection.transitions.get()
    assert (opened.from_status, opened.to_status) == ("", "unscheduled")
    assert opened.actor.username == "customer"  # who accepted
