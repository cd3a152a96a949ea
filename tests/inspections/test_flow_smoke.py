import datetime as dt

import pytest

from contracts.models import Quote
from inspections.services.results import inspection_results_record
from inspections.services.visits import inspection_schedule
from tests.inspections.visits import MONDAY, answers

pytestmark = pytest.mark.django_db


def test_smoke(inspection, staff, inspector, time_machine):
    inspection_schedule(inspection=inspection, user=staff, date=MONDAY, inspector=inspector)
    time_machine.move_to(dt.datetime(2026, 12, 7, 15, tzinfo=dt.UTC), tick=False)
    inspection_results_record(
        inspection=inspection,
        user=inspector,
        results=[
            {"serial_number": "JN11AC220001", "passed": True, "checklist": answers()},
            {"serial_number": "JN11AC220002", "passed": False, "checklist": answers(powers_on=False)},
        ],
    )
    inspection.refresh_from_db()
    inspection.request.refresh_from_db()
    assert inspection.status == "completed"
    assert inspection.request.status == "inspected"
    final = Quote.objects.get(request=inspection.request, is_final=True)
    assert final.total == 3437 + 1000
