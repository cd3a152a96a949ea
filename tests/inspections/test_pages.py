"""The inspection pages: the list and a visit's page for each reader (another's visit is a 404),
staff booking with refusals in words beside the fields, the customer's move offering only the days
that are free, the results form on the visit day (refusals beside the chassis and items, entered
values kept, nothing half-saved), corrections, photos, the staff calendar and the inspectors'
feeds, the checklists, and the inspection shown on the request and equipment pages."""

import datetime as dt
import re
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from icalendar import Calendar

from inspections.models import Absence, ChecklistVersion, InspectionPhoto, InspectionResult
from inspections.services.results import inspection_results_record
from inspections.services.visits import inspection_schedule
from relicensing.choices import RequestStatus
from tests.inspections.visits import (
    EARLIEST,
    MONDAY,
    TUESDAY,
    accepted_inspection,
    another_inspector,
    answers,
)
from tests.relicensing.registering import register, text

pytestmark = pytest.mark.django_db

CHRISTMAS = dt.date(2026, 12, 25)


def png(width: int = 2, height: int = 2) -> bytes:
    """A real PNG (grey pixels), as a phone's camera would send one."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def book(inspection, staff, inspector, date=MONDAY):
    return inspection_schedule(inspection=inspection, user=staff, date=date, inspector=inspector)


def on_visit_day(time_machine, day=MONDAY):
    time_machine.move_to(dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC), tick=False)


def lines_of(inspection):
    return {line.serial_number: line for line in inspection.lines.all()}


def results_data(inspection, *, final=True, **chassis):
    """POST data for the results form: `chassis` maps a serial to (verdict, answers, notes)."""
    data = {"final": "yes"} if final else {}
    for serial, (verdict, given, notes) in chassis.items():
        prefix = f"c{lines_of(inspection)[serial].pk}"
        if verdict:
            data[f"{prefix}-verdict"] = verdict
        data[f"{prefix}-notes"] = notes
        data.update({f"{prefix}-{key}": "yes" if value else "no" for key, value in given.items()})
    return data


def checked(page: str, name: str) -> str | None:
    """The value of the checked radio named `name` in the page, if any."""
    found = re.search(rf'name="{re.escape(name)}" value="(\w+)" checked', page)
    return found.group(1) if found else None


@pytest.fixture
def booked(inspection, staff, inspector):
    return book(inspection, staff, inspector)


@pytest.fixture
def recorded(booked, inspector, time_machine):
    on_visit_day(time_machine)
    return inspection_results_record(
        inspection=booked,
        user=inspector,
        results=[
            {"serial_number": "JN11AC220001", "passed": True, "checklist": answers()},
            {"serial_number": "JN11AC220002", "passed": False, "checklist": answers(powers_on=False)},
        ],
    )


# --- who sees what -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("customer", True),
        ("partner", True),
        ("staff", True),
        ("inspector", False),  # not assigned yet
        ("other_customer", False),
        ("other_partner", False),
    ],
)
def test_an_unbooked_visit_is_seen_by_its_customer_partner_and_staff_only(
    client, everyone, inspection, who, sees
):
    client.force_login(everyone[who])
    listed = text(client.get("/inspections/"))
    assert (inspection.request.number in listed) is sees
    assert client.get(f"/inspections/{inspection.pk}/").status_code == (200 if sees else 404)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("inspector", 200),
        ("customer", 200),
        ("partner", 200),
        ("other_customer", 404),
        ("other_partner", 404),
    ],
)
def test_the_assigned_inspector_sees_the_booked_visit(client, everyone, booked, who, status):
    client.force_login(everyone[who])
    assert client.get(f"/inspections/{booked.pk}/").status_code == status
    assert (booked.request.number in text(client.get("/inspections/"))) is (status == 200)


def test_another_inspector_does_not_see_the_visit(client, booked, operator):
    other = another_inspector(operator, "inspector2", "GB").user
    client.force_login(other)
    assert client.get(f"/inspections/{booked.pk}/").status_code == 404
    assert client.get(f"/inspections/{booked.pk}/results/").status_code == 404
    assert "No visit is booked with you yet" in text(client.get("/inspections/"))


@pytest.mark.parametrize("who", ["other_customer", "other_partner", "inspector"])
def test_every_page_of_a_visit_is_a_404_outside_its_reach(client, everyone, inspection, who):
    """The inspector is not assigned to this visit (it is not booked), so it is theirs no more than
    another organisation's."""
    line = inspection.lines.first()
    client.force_login(everyone[who])
    base = f"/inspections/{inspection.pk}"
    for path in ("/", "/results/", f"/chassis/{line.pk}/correct/", "/photos/1/"):
        assert client.get(base + path).status_code == 404, path
    for path in ("/book/", "/move/", "/results/", f"/chassis/{line.pk}/correct/"):
        assert client.post(base + path, {"date": "2026-12-07", "confirmed": "yes"}).status_code == 404, path


def test_signed_out_people_are_sent_to_sign_in(client, inspection):
    for path in ("/inspections/", f"/inspections/{inspection.pk}/", "/inspections/calendar/"):
        response = client.get(path)
        assert response.status_code == 302 and response.url.startswith("/login/")


@pytest.mark.parametrize("who", ["customer", "partner", "inspector", "other_customer"])
def test_calendar_and_checklists_are_for_staff(client, everyone, who):
    client.force_login(everyone[who])
    assert client.get("/inspections/calendar/").status_code == 403
    assert client.get("/inspections/checklists/").status_code == 403
    assert client.get("/inspections/checklists/juniper/").status_code in (403, 404)


def test_the_list_shows_request_site_date_inspector_and_status(client, partner, booked):
    client.force_login(partner)
    page = text(client.get("/inspections/"))
    assert "Your customers' inspections" in page
    for column in ("Request", "Customer", "Site", "Date", "Inspector", "Status"):
        assert f"<th>{column}</th>" in page
    assert "Acme HQ" in page and "Mon 7 Dec 2026" in page and "Scheduled" in page
    assert 'class="table"' in page


def test_the_customer_reads_its_own_words(client, customer, inspection):
    client.force_login(customer)
    page = text(client.get(f"/inspections/{inspection.pk}/"))
    assert "Your inspections" in text(client.get("/inspections/"))
    assert (
        "programme staff book the visit with an inspector who covers United Kingdom (GB), and you will be told"
        in page
    )
    assert "Book the visit" not in page and "Record results" not in page
    assert f'href="/requests/{inspection.request.pk}/"' in page


def test_the_inspector_sees_the_site_and_contact_but_no_request_or_prices(client, inspector, booked):
    client.force_login(inspector)
    page = text(client.get(f"/inspections/{booked.pk}/"))
    assert "1 Network Way" in page and "Casey Morgan" in page and "+44 113 496 0000" in page
    assert "Your visit is on Mon 7 Dec 2026" in page
    assert "/requests/" not in page and "USD" not in page
    assert "Results can be recorded from <strong>Mon 7 Dec 2026</strong>" in page
    assert f'href="/inspections/{booked.pk}/results/"' not in page  # not before the day


def test_the_list_pins_its_query_count(
    client, staff, customer, partner, booked, django_assert_max_num_queries
):
    client.force_login(staff)
    with django_assert_max_num_queries(8):
        client.get("/inspections/")


# --- booking (staff) -----------------------------------------------------------------------
def test_staff_book_the_visit_from_its_page(client, staff, inspector, inspection):
    client.force_login(staff)
    page = text(client.get(f"/inspections/{inspection.pk}/"))
    assert "Book the visit" in page and 'data-earliest="2026-12-04"' in page
    assert 'data-closed-days="' in page and "2026-12-25" in page  # Christmas is never offered
    assert f'<option value="{inspector.pk}"' in page
    response = client.post(
        f"/inspections/{inspection.pk}/book/", {"date": "2026-12-07", "inspector": inspector.pk}
    )
    assert response.status_code == 302 and response.url == f"/inspections/{inspection.pk}/"
    inspection.refresh_from_db()
    assert (inspection.status, inspection.date, inspection.inspector) == ("scheduled", MONDAY, inspector)
    page = text(client.get(response.url))
    assert "Booked: Mon 7 Dec 2026 with" in page and "Book again" in page


@pytest.mark.parametrize(
    ("date", "field_error"),
    [
        ("2026-12-01", "the earliest date is Fri 4 Dec 2026"),
        ("2026-12-25", "Fri 25 Dec 2026 is a public holiday there (Christmas Day)"),
        ("2026-12-05", "Sat 5 Dec 2026 is not a business day"),
        ("04/12/2026", "Enter the date as YYYY-MM-DD."),
        ("", "Choose the visit date."),
    ],
)
def test_booking_refusals_are_in_words_beside_the_date(
    client, staff, inspector, inspection, date, field_error
):
    client.force_login(staff)
    response = client.post(f"/inspections/{inspection.pk}/book/", {"date": date, "inspector": inspector.pk})
    page = text(response)
    assert response.status_code == 200
    date_field = page[page.index('for="id_date"') : page.index('for="id_inspector"')]
    assert field_error in date_field
    assert f'value="{date}"' in date_field or not date  # what was typed stays
    assert "lead_time" not in page and "not_a_business_day" not in page
    inspection.refresh_from_db()
    assert inspection.status == "unscheduled"


def test_a_full_day_and_an_away_inspector_are_refused_beside_the_inspector(
    client, staff, inspector, customer, partner, inspection, juniper, gb_inspector
):
    juniper.inspections_per_inspector_per_day = 1
    juniper.save()
    other = accepted_inspection(customer, partner, "JN11AC220003")
    book(other, staff, inspector, MONDAY)
    Absence.objects.create(inspector=gb_inspector, starts_on=TUESDAY, ends_on=TUESDAY)
    client.force_login(staff)
    full = text(
        client.post(f"/inspections/{inspection.pk}/book/", {"date": "2026-12-07", "inspector": inspector.pk})
    )
    assert "already has 1 visits on Mon 7 Dec 2026, a full day" in full
    away = text(
        client.post(f"/inspections/{inspection.pk}/book/", {"date": "2026-12-08", "inspector": inspector.pk})
    )
    assert "is away on Tue 8 Dec 2026" in away
    assert "(away 8 Dec 2026)" in away  # the choice says so before anyone picks it
    assert "capacity_full" not in full and "inspector_unavailable" not in away


def test_only_inspectors_covering_the_country_are_offered(client, staff, operator, inspection):
    french = another_inspector(operator, "inspector_fr", "FR").user
    client.force_login(staff)
    page = text(client.get(f"/inspections/{inspection.pk}/"))
    assert f'<option value="{french.pk}"' not in page
    refused = text(
        client.post(f"/inspections/{inspection.pk}/book/", {"date": "2026-12-07", "inspector": french.pk})
    )
    assert "That inspector does not cover the site's country" in refused


def test_booking_is_for_staff_and_opened_directly_leads_to_the_visit(client, customer, inspector, inspection):
    client.force_login(customer)
    assert (
        client.post(
            f"/inspections/{inspection.pk}/book/", {"date": "2026-12-07", "inspector": inspector.pk}
        ).status_code
        == 403
    )
    response = client.get(f"/inspections/{inspection.pk}/book/")
    assert response.status_code == 302 and response.url == f"/inspections/{inspection.pk}/"


# --- moving the visit (customer, partner) ---------------------------------------------------
def offered(page: str) -> list[str]:
    select = page[page.index('name="date"') :]
    select = select[: select.index("</select>")]
    return re.findall(r'<option value="(\d{4}-\d\d-\d\d)"', select)


def test_the_move_offers_only_free_days_with_the_cutoff_and_moves_left(
    client, customer, partner, staff, inspector, booked, juniper
):
    juniper.inspections_per_inspector_per_day = 1
    juniper.save()
    other = accepted_inspection(customer, partner, "JN11AC220003")
    book(other, staff, inspector, TUESDAY)  # the only inspector's Tuesday is full
    client.force_login(customer)
    page = text(client.get(f"/inspections/{booked.pk}/"))
    assert "You can move it until <strong>Thu 3 Dec 2026</strong>" in page
    assert "Moves left: <strong>2 of 2</strong>" in page
    days = offered(page)
    assert days[0] == EARLIEST.isoformat()
    assert "2026-12-07" not in days  # where it already is
    assert "2026-12-08" not in days  # full
    assert "2026-12-25" not in days and "2026-12-28" not in days  # Christmas, Boxing Day observed
    assert all(dt.date.fromisoformat(d).weekday() < 5 for d in days)
    assert ">Wed 9 Dec 2026</option>" in page


def test_the_customer_confirms_then_the_visit_moves(client, customer, booked):
    client.force_login(customer)
    url = f"/inspections/{booked.pk}/move/"
    confirm = text(client.post(url, {"date": "2026-12-09"}))
    assert "Move the visit to Wed 9 Dec 2026?" in confirm
    assert "Mon 7 Dec 2026" in confirm and "1 more will be left" in confirm
    booked.refresh_from_db()
    assert booked.date == MONDAY  # nothing moved before confirming
    response = client.post(url, {"date": "2026-12-09", "confirmed": "yes"})
    assert response.status_code == 302
    booked.refresh_from_db()
    assert (booked.date, booked.reschedules) == (dt.date(2026, 12, 9), 1)
    page = text(client.get(response.url))
    assert "The visit is moved to Wed 9 Dec 2026" in page
    assert "Moved from Mon 7 Dec 2026 to Wed 9 Dec 2026" in page  # the timeline
    assert "Moves left: <strong>1 of 2</strong>" in page


def test_a_day_not_offered_is_refused_in_words(client, partner, booked):
    client.force_login(partner)
    page = text(client.post(f"/inspections/{booked.pk}/move/", {"date": "2026-12-25", "confirmed": "yes"}))
    assert "That day is no longer free; choose one of the days offered." in page
    booked.refresh_from_db()
    assert booked.date == MONDAY


def test_past_the_limit_or_the_cutoff_the_page_says_ask_staff(
    client, customer, booked, juniper, time_machine
):
    juniper.max_customer_reschedules = 0
    juniper.save()
    client.force_login(customer)
    page = text(client.get(f"/inspections/{booked.pk}/"))
    assert "the most Juniper Networks allows. To change it again, ask programme staff." in page
    assert 'name="date"' not in page
    juniper.max_customer_reschedules = 2
    juniper.save()
    time_machine.move_to(dt.datetime(2026, 12, 4, 9, tzinfo=dt.UTC), tick=False)
    client.force_login(customer)
    page = text(client.get(f"/inspections/{booked.pk}/"))
    assert "The visit could be moved until Thu 3 Dec 2026. To change it now, ask programme staff." in page


def test_staff_and_inspectors_are_not_offered_the_customers_move(client, staff, inspector, booked):
    for user in (staff, inspector):
        client.force_login(user)
        page = text(client.get(f"/inspections/{booked.pk}/"))
        assert "Move the visit" not in page
        assert "Moved by the customer" in page
    assert client.post(f"/inspections/{booked.pk}/move/", {"date": "2026-12-09"}).status_code == 403


# --- results -------------------------------------------------------------------------------
def test_results_wait_for_the_visit_day(client, inspector, booked):
    client.force_login(inspector)
    response = client.get(f"/inspections/{booked.pk}/results/", follow=True)
    assert "The visit is on Mon 7 Dec 2026; results can be recorded from that day." in text(response)


def test_customers_cannot_record_results(client, customer, booked, time_machine):
    on_visit_day(time_machine)
    client.force_login(customer)
    assert client.get(f"/inspections/{booked.pk}/results/").status_code == 403


def test_the_results_form_has_a_fieldset_per_chassis_with_the_checklist(
    client, inspector, booked, time_machine
):
    on_visit_day(time_machine)
    client.force_login(inspector)
    detail = text(client.get(f"/inspections/{booked.pk}/"))
    assert f'href="/inspections/{booked.pk}/results/"' in detail
    page = text(client.get(f"/inspections/{booked.pk}/results/"))
    assert page.count('<fieldset class="chassis-fields') == 2
    assert "JN11AC220001" in page and "JN11AC220002" in page
    assert page.count("Powers on") == 2 and page.count('class="req">required') >= 12
    assert "Line cards and modules seated and recognised" in page and "(optional)" in page
    assert 'value="passed"' in page and 'value="failed"' in page
    assert 'type="file"' in page and "multiple" in page
    assert "These results are final once submitted" in page


def test_missing_chassis_and_required_items_are_refused_beside_them_and_values_kept(
    client, inspector, booked, time_machine, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    on_visit_day(time_machine)
    client.force_login(inspector)
    first = lines_of(booked)["JN11AC220001"]
    data = results_data(
        booked,
        JN11AC220001=("passed", answers(powers_on=None) | {"line_cards_seated": True}, "Fans replaced"),
    )
    data.pop(f"c{first.pk}-powers_on")  # the required "Powers on" left unanswered
    data[f"c{first.pk}-photos"] = SimpleUploadedFile("front.png", png(), content_type="image/png")
    response = client.post(f"/inspections/{booked.pk}/results/", data)
    page = text(response)
    assert response.status_code == 200
    assert "Nothing is saved yet." in page and "choose the photos again" in page
    second = page[page.index('id="chassis-' + str(lines_of(booked)["JN11AC220002"].pk)) :]
    assert "No result for this chassis yet" in second
    first_html = page[page.index(f'id="chassis-{first.pk}"') : page.index(second[:40])]
    powers_on = first_html[first_html.index("Powers on") : first_html.index("Diagnostics pass")]
    assert "Required: answer Yes or No." in powers_on
    assert "Required: answer Yes or No." not in first_html[first_html.index("Diagnostics pass") :]
    # what was entered survives
    assert checked(page, f"c{first.pk}-verdict") == "passed"
    assert checked(page, f"c{first.pk}-diagnostics_pass") == "yes"
    assert checked(page, f"c{first.pk}-line_cards_seated") == "yes"
    assert ">Fans replaced</textarea>" in page
    assert 'name="final" value="yes" checked' in page
    assert "results_incomplete" not in page
    # nothing half-saved: no result, no photo row, no photo file
    booked.refresh_from_db()
    assert booked.status == "scheduled"
    assert not InspectionResult.objects.exists() and not InspectionPhoto.objects.exists()
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]


def test_the_confirmation_is_required(client, inspector, booked, time_machine):
    on_visit_day(time_machine)
    client.force_login(inspector)
    data = results_data(
        booked,
        final=False,
        JN11AC220001=("passed", answers(), ""),
        JN11AC220002=("failed", answers(powers_on=False), ""),
    )
    page = text(client.post(f"/inspections/{booked.pk}/results/", data))
    assert "Tick the box to confirm: results are final once submitted." in page
    assert not InspectionResult.objects.exists()
    assert checked(page, f"c{lines_of(booked)['JN11AC220002'].pk}-powers_on") == "no"


def test_a_photo_that_is_not_an_image_is_refused_beside_its_chassis(client, inspector, booked, time_machine):
    on_visit_day(time_machine)
    client.force_login(inspector)
    second = lines_of(booked)["JN11AC220002"]
    data = results_data(
        booked,
        JN11AC220001=("passed", answers(), ""),
        JN11AC220002=("failed", answers(powers_on=False), ""),
    )
    data[f"c{second.pk}-photos"] = SimpleUploadedFile("label.png", b"MZ\x90\x00" + b"\x00" * 64)
    page = text(client.post(f"/inspections/{booked.pk}/results/", data))
    photos = page[page.index(f'id="c{second.pk}-photos"') :]
    assert "label.png: A photo is a PNG or JPEG image" in photos[:600]
    assert not InspectionResult.objects.exists()


def test_one_passes_one_fails_with_photos(client, inspector, customer, booked, time_machine):
    on_visit_day(time_machine)
    client.force_login(inspector)
    first = lines_of(booked)["JN11AC220001"]
    data = results_data(
        booked,
        JN11AC220001=("passed", answers(), "Clean"),
        JN11AC220002=("failed", answers(powers_on=False), "Dead power supply"),
    )
    data[f"c{first.pk}-photos"] = [
        SimpleUploadedFile("front.png", png(), content_type="image/png"),
        SimpleUploadedFile("label.png", png(3, 3), content_type="image/png"),
    ]
    response = client.post(f"/inspections/{booked.pk}/results/", data)
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.status == "completed" and booked.request.status == RequestStatus.INSPECTED
    assert InspectionPhoto.objects.filter(line=first).count() == 2
    page = text(client.get(response.url))
    assert "Results recorded: 1 of 2 chassis passed." in page
    assert "Dead power supply" in page
    # the customer sees the results, the photos and the final quote
    client.force_login(customer)
    page = text(client.get(f"/inspections/{booked.pk}/"))
    photo = InspectionPhoto.objects.filter(line=first).first()
    assert f'src="/inspections/{booked.pk}/photos/{photo.pk}/"' in page
    assert "Final quote" in page and "USD 4,437.00" in page
    download = client.get(f"/inspections/{booked.pk}/photos/{photo.pk}/")
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content).startswith(b"\x89PNG")


def test_photos_are_not_served_outside_the_visit(client, other_customer, customer, recorded):
    line = recorded.lines.first()
    photo = InspectionPhoto.objects.create(
        line=line,
        file=SimpleUploadedFile("x.png", png()),
        original_name="x.png",
        content_type="image/png",
        size=10,
    )
    client.force_login(other_customer)
    assert client.get(f"/inspections/{recorded.pk}/photos/{photo.pk}/").status_code == 404
    client.force_login(customer)
    assert client.get(f"/inspections/{recorded.pk}/photos/{photo.pk + 999}/").status_code == 404


def test_results_cannot_be_recorded_twice_from_the_page(client, inspector, recorded):
    client.force_login(inspector)
    response = client.get(f"/inspections/{recorded.pk}/results/", follow=True)
    assert "Results for this visit are recorded and final" in text(response)


# --- corrections (staff) -------------------------------------------------------------------
def test_staff_correct_a_result_with_a_reason_and_the_original_stays(client, staff, customer, recorded):
    second = lines_of(recorded)["JN11AC220002"]
    client.force_login(staff)
    detail = text(client.get(f"/inspections/{recorded.pk}/"))
    url = f"/inspections/{recorded.pk}/chassis/{second.pk}/correct/"
    assert f'href="{url}"' in detail
    form = text(client.get(url))
    assert checked(form, f"c{second.pk}-verdict") == "failed"  # starts from the result in force
    assert checked(form, f"c{second.pk}-powers_on") == "no"
    data = results_data(recorded, JN11AC220002=("passed", answers(), "Reseated the PSU"))
    data.pop("final")
    refused = text(client.post(url, data))
    assert (
        "Say why the result is corrected" in refused and checked(refused, f"c{second.pk}-verdict") == "passed"
    )
    response = client.post(url, data | {"reason": "The power cable was faulty, not the chassis."})
    assert response.status_code == 302
    client.force_login(customer)
    page = text(client.get(f"/inspections/{recorded.pk}/"))
    assert "Corrected result:" in page and "Why corrected:</strong> The power cable was faulty" in page
    assert "Original result, replaced:" in page  # the original stays visible
    assert InspectionResult.objects.filter(line=second).count() == 2


def test_customers_cannot_correct(client, customer, recorded):
    line = recorded.lines.first()
    client.force_login(customer)
    assert "Correct this result" not in text(client.get(f"/inspections/{recorded.pk}/"))
    assert client.get(f"/inspections/{recorded.pk}/chassis/{line.pk}/correct/").status_code == 403


# --- calendar and feeds --------------------------------------------------------------------
def test_the_staff_calendar_shows_load_waiting_and_overdue(
    client, staff, inspector, customer, partner, booked, gb_inspector, time_machine
):
    waiting = accepted_inspection(customer, partner, "JN11AC220003")
    Absence.objects.create(inspector=gb_inspector, starts_on=TUESDAY, ends_on=TUESDAY)
    client.force_login(staff)
    page = text(client.get("/inspections/calendar/?start=2026-12-07"))
    assert "Week of Mon 7 Dec 2026" in page and "Week of Mon 21 Dec 2026" in page
    assert "1 / 4" in page and "Away" in page
    assert f'href="/inspections/{waiting.pk}/#book"' in page
    assert "Inspectors' countries and days away: in the admin" in page
    assert f"/inspections/feed/{gb_inspector.feed_token}.ics" in page
    time_machine.move_to(dt.datetime(2026, 12, 9, 9, tzinfo=dt.UTC), tick=False)
    client.force_login(staff)  # a session of three weeks ago has ended
    page = text(client.get("/inspections/calendar/"))
    assert "Overdue: the day has passed, no results yet" in page and 'class="overdue"' in page
    assert booked.request.number in page[page.index("Overdue") :]


@pytest.mark.parametrize("start", ["9999-12-27", "0001-01-01", "0001-01-20", "2026-13-01"])
def test_a_calendar_asked_for_a_far_or_bad_week_shows_this_one(client, staff, start, frozen_friday):
    client.force_login(staff)
    response = client.get(f"/inspections/calendar/?start={start}")
    assert response.status_code == 200
    assert "Week of Mon 16 Nov 2026" in text(response)


def test_the_inspector_sees_their_feed_address_with_a_note(client, inspector, gb_inspector, booked):
    client.force_login(inspector)
    page = text(client.get("/inspections/"))
    assert f"/inspections/feed/{gb_inspector.feed_token}.ics" in page
    assert "subscribe to this address in your calendar app" in page.lower()
    assert "Keep the link private" in page


def test_the_feed_is_icalendar_with_the_inspectors_visit(client, booked, gb_inspector):
    response = client.get(f"/inspections/feed/{gb_inspector.feed_token}.ics")  # no sign-in
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    assert booked.request.number in str(events[0]["SUMMARY"])
    assert events[0].decoded("DTSTART") == MONDAY


def test_an_unknown_feed_token_is_a_404(client, gb_inspector):
    assert client.get("/inspections/feed/not-a-token.ics").status_code == 404


# --- checklists ----------------------------------------------------------------------------
def test_checklists_page_shows_each_vendors_version(client, staff, juniper_checklist, cisco):
    client.force_login(staff)
    page = text(client.get("/inspections/checklists/"))
    assert "Juniper Networks" in page and "version 1" in page and "Powers on" in page
    assert "Cisco Systems" in page and "No checklist yet." in page
    assert "Edit (publishes version 2)" in page


def test_an_edit_publishes_v2_and_the_open_visit_keeps_v1(client, staff, inspector, booked, time_machine):
    client.force_login(staff)
    form = text(client.get("/inspections/checklists/juniper/"))
    assert "Publishing makes version 2; visits already opened keep the version they have." in form
    rows = int(re.search(r'name="rows" value="(\d+)"', form).group(1))
    data = {"rows": rows, "note": "Fan trays added", "action": "publish"}
    for n in range(1, rows + 1):
        key = re.search(rf'name="item-{n}-key" value="([^"]*)"', form).group(1)
        value = re.search(rf'name="item-{n}-text" value="([^"]*)"', form).group(1)
        data[f"item-{n}-key"] = key
        data[f"item-{n}-text"] = value
        if f'name="item-{n}-required" value="yes" checked' in form:
            data[f"item-{n}-required"] = "yes"
    data["item-1-text"] = ""  # remove the first item
    data[f"item-{rows}-text"] = "Fan trays spin up"
    data[f"item-{rows}-required"] = "yes"
    response = client.post("/inspections/checklists/juniper/", data)
    assert response.status_code == 302
    v2 = ChecklistVersion.objects.get(vendor__slug="juniper", version=2)
    assert v2.items[-1] == {"key": "fan_trays_spin_up", "text": "Fan trays spin up", "required": True}
    assert "physical_condition" not in [item["key"] for item in v2.items]
    assert "version 2 is published" in text(client.get(response.url))
    # the visit opened before keeps version 1, on its page and in its results form
    assert "checklist, version 1" in text(client.get(f"/inspections/{booked.pk}/"))
    on_visit_day(time_machine)
    client.force_login(inspector)
    results = text(client.get(f"/inspections/{booked.pk}/results/"))
    assert "version 1" in results and "Fan trays spin up" not in results
    assert "Physically sound" in results


def test_a_checklist_refusal_keeps_the_rows(client, staff, juniper_checklist):
    client.force_login(staff)
    data = {"rows": 2, "item-1-text": "Powers on", "item-2-text": "Powers on", "action": "publish"}
    page = text(client.post("/inspections/checklists/juniper/", data))
    assert "Nothing is published yet." in page and "repeats another item" in page
    assert page.count('value="Powers on"') == 2
    more = text(client.post("/inspections/checklists/juniper/", data | {"action": "more"}))
    assert 'name="rows" value="5"' in more
    assert ChecklistVersion.objects.count() == 1


# --- the request and equipment pages -------------------------------------------------------
def test_the_request_page_shows_its_inspection(client, customer, booked):
    client.force_login(customer)
    page = text(client.get(f"/requests/{booked.request.pk}/"))
    section = page[page.index('id="inspection"') :]
    assert "Mon 7 Dec 2026" in section[:800] and f'href="/inspections/{booked.pk}/"' in section[:800]


def test_the_equipment_page_shows_its_inspection_history(client, customer, other_customer, recorded):
    registration = recorded.request.items.get(equipment__serial_number="JN11AC220002").registration
    client.force_login(customer)
    page = text(client.get(f"/equipment/{registration.pk}/"))
    history = page[page.index("Inspection history") :]
    assert recorded.request.number in history and "Failed" in history and "Mon 7 Dec 2026" in history
    assert f'href="/inspections/{recorded.pk}/"' in history


def test_the_equipment_page_says_when_never_inspected(client, customer, inspection):
    registration = register(customer, "JN11AC220009")
    client.force_login(customer)
    assert "Not inspected in the programme yet." in text(client.get(f"/equipment/{registration.pk}/"))


def test_a_refusal_naming_a_chassis_is_shown_beside_it(booked, juniper_checklist):
    from common.errors import InvalidInput
    from inspections.forms import ResultsForm

    form = ResultsForm(lines=list(booked.lines.all()), checklist=juniper_checklist, data={})
    form.refused(
        InvalidInput({"results": ["JN11AC220002: marked passed, but a required item is no.", "Other."]})
    )
    second = next(chassis for chassis in form.chassis if chassis.serial == "JN11AC220002")
    assert second.errors == ["Marked passed, but a required item is no."]
    assert form.errors == ["Other."] and form.has_errors
