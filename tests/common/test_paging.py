"""Long lists page by cursor and count within bounds (issue 13): the newest-first equipment and
request lists walk forward and back by `next`/`previous` with ties in `created_at` broken by id,
a cursor page costs the queries of the first page, and `count` turns into the planner's estimate
past the exact threshold."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common import paging
from relicensing.models import Equipment, Registration

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def seed(organization, product, serials: list[str], *, at: list[dt.datetime]) -> list[int]:
    """Registrations of these serials, created at these times; their ids, in serial order."""
    units = Equipment.objects.bulk_create(
        Equipment(vendor=product.vendor, serial_number=serial, product=product, current_owner=organization)
        for serial in serials
    )
    registrations = Registration.objects.bulk_create(
        Registration(
            equipment=unit, organization=organization, acquisition_channel="secondary_market", eligible=True
        )
        for unit in units
    )
    for registration, created_at in zip(registrations, at, strict=True):
        Registration.objects.filter(pk=registration.pk).update(created_at=created_at)
    return [r.pk for r in registrations]


def serials(answer) -> list[str]:
    return [row["serial_number"] for row in answer["results"]]


def test_the_equipment_list_walks_by_cursor_both_ways_with_ties_broken_by_id(api_as, customer, acx2200):
    # Seven units; the middle three share one timestamp, as a bulk import's rows can.
    names = [f"PG{n:010d}" for n in range(1, 8)]
    times = [
        AT,
        AT + dt.timedelta(minutes=1),
        *[AT + dt.timedelta(minutes=2)] * 3,
        AT + dt.timedelta(minutes=3),
        AT + dt.timedelta(minutes=4),
    ]
    seed(customer.organization, acx2200, names, at=times)
    client = api_as(customer)

    first = client.get("/api/v1/equipment/?page_size=3").json()
    # Newest first; among the three of 09:02, the highest id (the last created) first.
    assert serials(first) == ["PG0000000007", "PG0000000006", "PG0000000005"]
    assert first["count"] == 7 and first["previous"] is None
    assert "cursor=" in first["next"] and "page_size=3" in first["next"]

    second = client.get(first["next"]).json()
    assert serials(second) == ["PG0000000004", "PG0000000003", "PG0000000002"]
    third = client.get(second["next"]).json()
    assert serials(third) == ["PG0000000001"]
    assert third["next"] is None and third["count"] == 7

    back = client.get(third["previous"]).json()
    assert serials(back) == ["PG0000000004", "PG0000000003", "PG0000000002"]
    front = client.get(back["previous"]).json()
    assert serials(front) == ["PG0000000007", "PG0000000006", "PG0000000005"]
    assert front["previous"] is None


def test_a_page_number_still_answers_and_continues_by_cursor(api_as, customer, acx2200):
    seed(
        customer.organization,
        acx2200,
        [f"PN{n:010d}" for n in range(1, 6)],
        at=[AT + dt.timedelta(minutes=n) for n in range(5)],
    )
    client = api_as(customer)
    page_two = client.get("/api/v1/equipment/?page_size=2&page=2").json()
    assert serials(page_two) == ["PN0000000003", "PN0000000002"]
    assert "page=" not in page_two["next"]
    assert serials(client.get(page_two["next"]).json()) == ["PN0000000001"]


def test_a_mangled_cursor_is_a_400_with_its_code(api_as, customer):
    answer = api_as(customer).get("/api/v1/equipment/?cursor=not-a-cursor")
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid_cursor"


def test_a_cursor_page_costs_the_queries_of_the_first(api_as, customer, acx2200):
    seed(
        customer.organization,
        acx2200,
        [f"QC{n:010d}" for n in range(60)],
        at=[AT + dt.timedelta(seconds=n) for n in range(60)],
    )
    client = api_as(customer)
    with CaptureQueriesContext(connection) as first_page:
        first = client.get("/api/v1/equipment/?page_size=10").json()
    cursor = first["next"]
    for _ in range(3):
        cursor = client.get(cursor).json()["next"]
    with CaptureQueriesContext(connection) as deep_page:
        deep = client.get(cursor).json()
    assert serials(deep) == [f"QC{n:010d}" for n in range(19, 9, -1)]
    assert len(deep_page) == len(first_page)


def test_a_first_page_holding_the_whole_list_is_its_count(api_as, customer, acx2200):
    """A search that finds one serial, or a short list, is counted by reading it: no count query."""
    seed(customer.organization, acx2200, ["QW0000000001", "QW0000000002", "QW0000000003"], at=[AT] * 3)
    client = api_as(customer)

    def counts(path: str) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as asked:
            answer = client.get(path).json()
        return answer["count"], sum("count(*)" in q["sql"].lower() for q in asked.captured_queries)

    assert counts("/api/v1/equipment/?serial_number=QW0000000002") == (1, 0)
    assert counts("/api/v1/equipment/?page_size=3") == (3, 0)
    assert counts("/api/v1/equipment/?page_size=2") == (3, 1)  # a second page to come: counted
    second = client.get("/api/v1/equipment/?page_size=2").json()["next"]
    with CaptureQueriesContext(connection) as asked:
        assert client.get(second).json()["count"] == 3  # a later page is counted, however short
    assert sum("count(*)" in q["sql"].lower() for q in asked.captured_queries) == 1


def test_the_request_list_pages_by_cursor_too(api_as, customer, acx2200):
    from relicensing.services.requests import request_create
    from tests.relicensing.test_requests_api import SITE

    ids = seed(customer.organization, acx2200, [f"RC{n:010d}" for n in range(3)], at=[AT] * 3)
    for registration_id in ids:
        request_create(
            customer=customer.organization,
            user=customer,
            site=dict(SITE),
            equipment=[registration_id],
            preferred_inspection_date=dt.date(2027, 3, 1),
        )
    client = api_as(customer)
    first = client.get("/api/v1/requests/?page_size=2").json()
    assert first["count"] == 3 and len(first["results"]) == 2
    rest = client.get(first["next"]).json()
    assert len(rest["results"]) == 1 and rest["next"] is None
    seen = [r["id"] for r in first["results"] + rest["results"]]
    assert seen == sorted(seen, reverse=True)


def test_count_is_exact_up_to_the_threshold_then_the_planners_estimate(monkeypatch, customer, acx2200):
    seed(customer.organization, acx2200, [f"CE{n:010d}" for n in range(40)], at=[AT] * 40)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE relicensing_registration")
    registrations = Registration.objects.filter(organization=customer.organization)

    assert paging.count_bounded(registrations) == paging.Count(n=40, exact=True)
    monkeypatch.setattr(paging, "EXACT_COUNT_UP_TO", 25)
    estimated = paging.count_bounded(registrations)
    assert estimated.exact is False
    assert estimated.n >= 26  # never below what was counted; the estimate itself is the planner's
    with CaptureQueriesContext(connection) as captured:
        paging.count_bounded(registrations)
    assert len(captured) == 1


def test_a_partners_page_merges_its_customers_newest_rows(api_as, customer, other_customer, partner, acx2200):
    # Acme's units are old, Borealis's new and not served by this partner, Polar's newest of all;
    # the partner serves Acme and Polar (added here): its pages interleave the two by time.
    from accounts.models import Organization, Partnership

    polar_customer = Organization.objects.create(name="Polar Customer", kind="customer")
    Partnership.objects.create(partner=partner.organization, customer=polar_customer)
    seed(
        customer.organization,
        acx2200,
        ["MA0000000001", "MA0000000002"],
        at=[AT, AT + dt.timedelta(minutes=2)],
    )
    seed(
        other_customer.organization,
        acx2200,
        [f"MB{n:010d}" for n in range(5)],
        at=[AT + dt.timedelta(hours=1)] * 5,
    )
    seed(polar_customer, acx2200, ["MC0000000001"], at=[AT + dt.timedelta(minutes=1)])
    client = api_as(partner)

    first = client.get("/api/v1/equipment/?page_size=2").json()
    assert serials(first) == ["MA0000000002", "MC0000000001"]
    assert first["count"] == 3
    rest = client.get(first["next"]).json()
    assert serials(rest) == ["MA0000000001"] and rest["next"] is None
    assert serials(client.get(rest["previous"]).json()) == ["MA0000000002", "MC0000000001"]


def test_a_long_lists_estimate_is_kept_for_its_next_pages_and_an_exact_count_never(
    monkeypatch, customer, acx2200
):
    seed(customer.organization, acx2200, [f"CK{n:010d}" for n in range(40)], at=[AT] * 40)
    registrations = Registration.objects.filter(organization=customer.organization)
    with CaptureQueriesContext(connection) as exact:
        assert paging.count_bounded(registrations, remember_estimate=True).exact
        assert paging.count_bounded(registrations, remember_estimate=True).exact
    assert len(exact) == 2  # counted each time: a short list is always exact

    monkeypatch.setattr(paging, "EXACT_COUNT_UP_TO", 25)
    first = paging.count_bounded(registrations, remember_estimate=True)
    with CaptureQueriesContext(connection) as later:
        again = paging.count_bounded(registrations, remember_estimate=True)

    assert first.exact is False and again == first
    assert len(later) == 0  # the next page reads the kept estimate
    other = Registration.objects.filter(organization=customer.organization, eligible=False)
    with CaptureQueriesContext(connection) as filtered:
        paging.count_bounded(other, remember_estimate=True)
    assert len(filtered) == 1  # another filter is another list, counted on its own
