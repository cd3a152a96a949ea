"""Results under concurrency, against the real database (see tests/races.py)."""

import datetime as dt
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from common.errors import Conflict
from contracts.models import Quote
from inspections.models import InspectionPhoto, InspectionResult
from inspections.services import results, visits
from tests.inspections.visits import MONDAY, answers
from tests.races import Racer, race

pytestmark = pytest.mark.django_db(transaction=True)


def test_results_submitted_twice_at_once_are_recorded_once(inspection, staff, inspector, time_machine):
    # Guard: the request and inspection row locks in inspection_results_record, taken before the
    # status check. Two submissions (an inspector's double tap, or the inspector and staff) pause
    # after reading the submitted results: with the locks the second waits, then finds the visit
    # completed and gets a 409; without them both pass the check, and the second fails on the
    # one-original-result constraint (a database error, a 500) or, worse, finalises twice.
    visits.inspection_schedule(inspection=inspection, user=staff, date=MONDAY, inspector=inspector)
    time_machine.move_to(dt.datetime(2026, 12, 7, 15, tzinfo=dt.UTC), tick=False)
    body = [
        {"serial_number": "JN11AC220001", "passed": True, "checklist": answers()},
        {"serial_number": "JN11AC220002", "passed": True, "checklist": answers()},
    ]
    outcomes = race(
        lambda: results.inspection_results_record(inspection=inspection, user=inspector, results=body),
        lambda: results.inspection_results_record(inspection=inspection, user=staff, results=body),
        pause_at=[(results, "results_parse")],
        before=False,
    )
    assert sorted(o.ok for o in outcomes) == [False, True]
    (refused,) = [o.error for o in outcomes if not o.ok]
    assert isinstance(refused, Conflict) and refused.code == "invalid_transition"
    assert InspectionResult.objects.count() == 2  # one per chassis
    assert Quote.objects.filter(request=inspection.request, is_final=True).count() == 1


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)


def test_a_photo_never_lands_on_a_visit_whose_results_were_just_submitted(
    inspection, staff, inspector, time_machine
):
    # Guard: the request and visit row locks in inspection_photo_add, taken before the status
    # check. The results are submitted and hold their locks, paused just before committing; the
    # upload starts a moment later. With the locks it waits, then finds the visit completed: 409.
    # Without them it reads the visit while still scheduled, meets the results at the pause, and
    # adds its photo after the results are final.
    visits.inspection_schedule(inspection=inspection, user=staff, date=MONDAY, inspector=inspector)
    time_machine.move_to(dt.datetime(2026, 12, 7, 15, tzinfo=dt.UTC), tick=False)
    body = [
        {"serial_number": s, "passed": True, "checklist": answers()} for s in ("JN11AC220001", "JN11AC220002")
    ]

    def upload():
        time.sleep(0.3)  # the results take their locks first
        return results.inspection_photo_add(
            inspection=inspection,
            user=inspector,
            serial_number="JN11AC220001",
            upload=SimpleUploadedFile("rack.png", PNG, content_type="image/png"),
        )

    recorded, photo = race(
        Racer(
            lambda: results.inspection_results_record(inspection=inspection, user=inspector, results=body),
            [(results, "quote_finalise")],
            before=False,
        ),
        Racer(upload, [(results, "document_check")]),
    )
    assert recorded.ok, recorded.error
    assert isinstance(photo.error, Conflict) and photo.error.code == "invalid_transition", photo
    assert not InspectionPhoto.objects.exists()
