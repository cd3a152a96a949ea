"""Helpers for the order, approval and contract tests: a request of Acme's at its GB site whose
visit is booked for Monday 7 December 2026 and whose results are recorded that day (time is moved
there), so it stands `inspected` with its final quote."""

import datetime as dt

from inspections.services.results import inspection_results_record
from inspections.services.visits import inspection_schedule
from tests.inspections.visits import MONDAY, accepted_inspection, answers, checklist, coverage

VISIT_DAY = dt.datetime(2026, 12, 7, 15, tzinfo=dt.UTC)


def inspected(time_machine, *, customer, partner, staff, inspector, recorder=None, serials=None, passes=None):
    """Book, visit and record: the request inspected, with its final quote. `recorder` records
    the results (the inspector by default)."""
    serials = serials or ("JN11AC220001", "JN11AC220002")
    passes = passes or (True,) * len(serials)
    visit = accepted_inspection(customer, partner, *serials)
    visit = inspection_schedule(inspection=visit, user=staff, date=MONDAY, inspector=inspector)
    time_machine.move_to(VISIT_DAY, tick=False)
    inspection_results_record(
        inspection=visit,
        user=recorder or inspector,
        results=[
            {"serial_number": s, "passed": p, "checklist": answers(p)}
            for s, p in zip(serials, passes, strict=True)
        ],
    )
    visit.request.refresh_from_db()
    return visit.request


def prepared(inspector, vendor) -> None:
    """The inspector covers GB and the vendor has its checklist."""
    coverage(inspector, "GB")
    checklist(vendor)
