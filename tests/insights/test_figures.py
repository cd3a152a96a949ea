"""The insights' figures against the hand-worked history of tests/insights/world.py: every
expected number below is counted by hand from the dates and amounts written there."""

import datetime as dt

import pytest

from insights.selectors import (
    InsightScope,
    fees_per_month,
    insight_scope,
    inspector_utilisation,
    pass_rate_by_family,
    pass_rate_by_vendor,
    requests_by_status,
    requests_waiting_too_long,
    time_in_status,
)
from tests.insights.world import NOW, world_build

pytestmark = pytest.mark.django_db

START, END = dt.date(2026, 10, 1), dt.date(2026, 11, 30)


@pytest.fixture
def world(acme, borealis, staff, inspector, operator, netreseller, polar, time_machine):
    time_machine.move_to(NOW, tick=False)
    return world_build(acme=acme, borealis=borealis, staff=staff, inspector=inspector, operator=operator)


@pytest.fixture
def everything(world, staff) -> InsightScope:
    return insight_scope(user=staff, start=START, end=END, vendor=None)


@pytest.fixture
def netresellers(world, partner) -> InsightScope:
    """What NetReseller's partner sees: Acme only."""
    return insight_scope(user=partner, start=START, end=END, vendor=None)


def test_the_funnel_counts_requests_opened_in_the_period_by_status_now(everything, netresellers, world):
    # R7 was opened in September: outside the period.
    assert dict(requests_by_status(scope=everything)) == {
        "submitted": 2,  # R4, R6
        "quoted": 0,
        "quote_accepted": 1,  # R5
        "inspection_scheduled": 0,
        "inspected": 1,  # R8
        "po_received": 0,
        "approved": 0,
        "reinstated": 1,  # R1
        "failed_inspection": 1,  # R2
        "cancelled": 1,  # R3
        "rejected": 0,
    }
    acme_only = {status: n for status, n in requests_by_status(scope=netresellers) if n}
    assert acme_only == {"submitted": 2, "reinstated": 1, "failed_inspection": 1}
    juniper = InsightScope(start=START, end=END, vendor=world.juniper)
    assert {s: n for s, n in requests_by_status(scope=juniper) if n} == {
        "submitted": 1,  # R6
        "quote_accepted": 1,
        "reinstated": 1,
        "failed_inspection": 1,
    }


def test_median_and_90th_percentile_days_per_stay_in_each_status(everything):
    """Stays in days, by hand (a re-issued quote does not end R1's stay in quoted; stays still
    running count to Monday 16 November 09:00; closed statuses have none):
      submitted 2 (R1), 4 and 4 (R2, twice), 1 (R3), 14 (R4), 1 (R5), 4 (R6), 1 (R8):
        sorted 1 1 1 2 4 4 4 14: median (2+4)/2 = 3; p90 at 0.9*7 = 6.3: 4 + 0.3*10 = 7
      quoted 5 (R1), 7 and 1 (R2), 3 (R3), 1 (R5), 1 (R8): 1 1 1 3 5 7: median 2; p90 at 4.5: 6
      quote_accepted 1, 2, 11 (R5 still), 1: 1 1 2 11: median 1.5; p90 at 2.7: 2 + 0.7*9 = 8.3
      inspection_scheduled 10, 10, 11: median 10; p90 at 1.8: 10.8
      inspected 2 (R1), 21 (R8 still): median 11.5; p90 at 0.9: 2 + 0.9*19 = 19.1
      po_received 1; approved 0.5 (09:00 to 21:00)."""
    found = {
        t.status: (t.stays, round(t.median_days, 2), round(t.p90_days, 2))
        for t in time_in_status(scope=everything)
    }
    assert found == {
        "submitted": (8, 3.0, 7.0),
        "quoted": (6, 2.0, 6.0),
        "quote_accepted": (4, 1.5, 8.3),
        "inspection_scheduled": (3, 10.0, 10.8),
        "inspected": (2, 11.5, 19.1),
        "po_received": (1, 1.0, 1.0),
        "approved": (1, 0.5, 0.5),
    }


def test_a_partner_sees_the_stays_of_its_customers_only(netresellers):
    """Acme's requests R1, R2, R4, R6: submitted 2 4 4 14 4 -> median 4, p90 at 3.6: 4 + 0.6*10 = 10;
    quoted 5 7 1 -> median 5, p90 at 1.8: 5 + 0.8*2 = 6.6."""
    found = {
        t.status: (t.stays, round(t.median_days, 2), round(t.p90_days, 2))
        for t in time_in_status(scope=netresellers)
    }
    assert found["submitted"] == (5, 4.0, 10.0)
    assert found["quoted"] == (3, 5.0, 6.6)
    assert found["inspected"] == (1, 2.0, 2.0)  # R1's only: R8 is Borealis'


def test_pass_rate_by_product_family_and_by_vendor(everything, netresellers):
    # ACX: R1's two passed, R2's one failed; QFX5K: R2's failed; ISR: R8's three of four passed.
    assert [(r.label, r.passed, r.inspected) for r in pass_rate_by_family(scope=everything)] == [
        ("ACX", 2, 3),
        ("ISR", 3, 4),
        ("QFX5K", 0, 1),
    ]
    assert [(r.label, r.passed, r.inspected) for r in pass_rate_by_vendor(scope=everything)] == [
        ("Cisco Systems", 3, 4),
        ("Juniper Networks", 2, 4),
    ]
    assert [(r.label, r.passed, r.inspected) for r in pass_rate_by_vendor(scope=netresellers)] == [
        ("Juniper Networks", 2, 4)
    ]


def test_fees_quoted_accepted_and_ordered_per_month_by_kind(everything):
    """October, quoted: R1's second quote (its first was replaced before acceptance), R2's expired
    and accepted ones, R8's; never a final quote. Accepted: R1's, R2's second, R8's. Ordered: R1's
    final quote, its order received 21 October. November: R5 quoted and accepted."""
    months = {row.month: row.amounts for row in fees_per_month(scope=everything)}
    assert list(months) == [dt.date(2026, 10, 1), dt.date(2026, 11, 1)]
    october, november = months[dt.date(2026, 10, 1)], months[dt.date(2026, 11, 1)]
    assert {k: str(v) for k, v in october["quoted"].items()} == {
        "inspection": "7500.00",  # 2000 + 2000 + 2000 + 1500
        "support_year": "1474.00",  # 874 + 600
        "os_license": "8900.00",  # 4000 + 4000 + 900
        "addon_license": "150.00",
    }
    assert {k: str(v) for k, v in october["accepted"].items()} == {
        "inspection": "5500.00",
        "support_year": "1474.00",
        "os_license": "8900.00",
    }
    assert {k: str(v) for k, v in october["ordered"].items()} == {
        "inspection": "2000.00",
        "support_year": "874.00",
        "os_license": "4000.00",
    }
    assert {k: str(v) for k, v in november["quoted"].items()} == {
        "inspection": "1000.00",
        "support_year": "437.00",
        "os_license": "2000.00",
    }
    assert november["accepted"] == november["quoted"]
    assert "ordered" not in november


def test_a_partners_fees_leave_out_other_customers(netresellers):
    months = {row.month: row for row in fees_per_month(scope=netresellers)}
    assert list(months) == [dt.date(2026, 10, 1)]  # R5 (November) is Borealis'
    assert str(months[dt.date(2026, 10, 1)].total("quoted")) == "15024.00"  # 6000 + 874 + 8000 + 150
    assert str(months[dt.date(2026, 10, 1)].total("accepted")) == "12874.00"
    assert str(months[dt.date(2026, 10, 1)].total("ordered")) == "6874.00"


def test_inspector_utilisation_per_week_against_capacity(everything, world):
    """Two inspectors, the second away 19-23 October; 4 visits a day (Juniper's, the higher).
    Week of 28 Sep: Thu 1 and Fri 2 Oct only: 2 days x 2 inspectors x 4 = 16. A whole week: 40;
    the week of 19 Oct: 5 days x 1 inspector x 4 = 20; the week of 30 Nov: Monday only, 8."""
    weeks = {
        w.week: (w.visits, w.capacity) for w in inspector_utilisation(scope=everything, visits_per_day=4)
    }
    assert weeks == {
        dt.date(2026, 9, 28): (0, 16),
        dt.date(2026, 10, 5): (0, 40),
        dt.date(2026, 10, 12): (0, 40),
        dt.date(2026, 10, 19): (1, 20),  # R1's visit
        dt.date(2026, 10, 26): (1, 40),  # R8's
        dt.date(2026, 11, 2): (1, 40),  # R2's
        dt.date(2026, 11, 9): (0, 40),
        dt.date(2026, 11, 16): (0, 40),
        dt.date(2026, 11, 23): (0, 40),
        dt.date(2026, 11, 30): (0, 8),
    }
    cisco = InsightScope(start=START, end=END, vendor=world.cisco)
    weeks = {w.week: (w.visits, w.capacity) for w in inspector_utilisation(scope=cisco, visits_per_day=3)}
    assert weeks[dt.date(2026, 10, 26)] == (1, 30)
    assert sum(visits for visits, _ in weeks.values()) == 1


def test_requests_waiting_longer_than_their_vendor_allows(everything, netresellers, world):
    """R7 (since 15 Sep), R5 (7 business days, Juniper allows 5), R8 (15, Cisco allows 9) are past
    the limit; R4 has waited 9 business days in the US (Veterans Day, Wed 11 Nov, is no business
    day there), which Cisco allows; R6, 2 days, is within Juniper's 5."""
    waiting = requests_waiting_too_long(scope=everything)
    assert [(w.vendor, w.status, w.requests, w.since.date()) for w in waiting.counts] == [
        ("Cisco Systems", "inspected", 1, dt.date(2026, 10, 26)),
        ("Juniper Networks", "quote_accepted", 1, dt.date(2026, 11, 5)),
        ("Juniper Networks", "submitted", 1, dt.date(2026, 9, 15)),
    ]
    assert [r.number for r in waiting.longest] == ["RQ-7", "RQ-8", "RQ-5"]
    assert [r.waited for r in waiting.longest] == [
        44,
        15,
        7,
    ]  # business days after 15 Sep to 16 Nov: 11 + 22 + 11
    acme_only = requests_waiting_too_long(scope=netresellers)
    assert [r.number for r in acme_only.longest] == ["RQ-7"]
    assert acme_only.total == 1
