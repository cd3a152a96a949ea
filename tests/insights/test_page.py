"""The insights page and its CSVs: who may open them, what a partner sees, the numbers as the
tables and downloads give them (by hand, from tests/insights/world.py), hostile labels, bad
filters, and a cost in queries that does not grow with the programme."""

import csv
import datetime as dt
import io
import re

import pytest
from django.conf import settings
from django.core.cache import cache

from insights.tasks import programme_figures_work_out
from inspections.models import InspectionLine
from relicensing.models import Product
from tests.insights.world import NOW, PERIOD, _Builder, at, world_build

pytestmark = pytest.mark.django_db

FIGURES = (
    "requests-by-status",
    "time-in-status",
    "pass-rate-by-family",
    "pass-rate-by-vendor",
    "fees-per-month",
    "inspector-utilisation",
    "waiting-too-long",
)


@pytest.fixture
def world(acme, borealis, staff, inspector, operator, netreseller, polar, time_machine):
    time_machine.move_to(NOW, tick=False)
    return world_build(acme=acme, borealis=borealis, staff=staff, inspector=inspector, operator=operator)


def get(client, user, path, data=None):
    client.force_login(user)
    return client.get(path, data)


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_staff_and_partners_open_insights_others_are_refused(client, everyone, world):
    for name in ("customer", "other_customer", "inspector"):
        assert get(client, everyone[name], "/insights/").status_code == 403, name
        assert get(client, everyone[name], "/insights/fees-per-month.csv").status_code == 403, name
    for name in ("staff", "partner", "other_partner"):
        response = get(client, everyone[name], "/insights/")
        assert response.status_code == 200, name
        assert '<a href="/insights/" aria-current="page">Insights</a>' in response.content.decode()
    client.logout()
    assert client.get("/insights/")["Location"].startswith("/login/")
    client.force_login(everyone["staff"])
    assert client.get("/insights/no-such-figure.csv").status_code == 404


def test_the_menu_offers_insights_to_staff_and_partners_only(client, customer, partner, staff):
    for user, offered in ((customer, False), (partner, True), (staff, True)):
        assert ('href="/insights/"' in get(client, user, "/").content.decode()) is offered, user.username


def test_the_funnel_and_its_csv_for_staff(client, staff, world):
    rows = csv_rows(get(client, staff, "/insights/requests-by-status.csv", PERIOD))
    assert rows == [
        ["Status", "Requests", "Share"],
        ["Submitted", "2", "28.6%"],  # 2 of 7
        ["Quoted", "0", "0.0%"],
        ["Quote accepted", "1", "14.3%"],
        ["Inspection scheduled", "0", "0.0%"],
        ["Inspected", "1", "14.3%"],
        ["Purchase order received", "0", "0.0%"],
        ["Approved", "0", "0.0%"],
        ["Reinstated", "1", "14.3%"],
        ["Failed inspection", "1", "14.3%"],
        ["Cancelled", "1", "14.3%"],
        ["Rejected", "0", "0.0%"],
    ]
    page = get(client, staff, "/insights/", PERIOD).content.decode()
    assert re.search(r'<span class="stat-n">7</span><span class="stat-l">requests opened in the period', page)
    assert '<th scope="row">Quote accepted</th><td>1</td><td>14.3%</td>' in page
    assert 'role="img" aria-labelledby="funnel-t funnel-d"' in page
    assert "/insights/requests-by-status.csv?start=2026-10-01&amp;end=2026-11-30" in page


def test_times_pass_rates_fees_and_load_as_csv(client, staff, world):
    times = csv_rows(get(client, staff, "/insights/time-in-status.csv", PERIOD))
    assert times[:3] == [
        ["Status", "Stays", "Median days", "90th percentile days"],
        ["Submitted", "8", "3.0", "7.0"],
        ["Quoted", "6", "2.0", "6.0"],
    ]
    assert csv_rows(get(client, staff, "/insights/pass-rate-by-family.csv", PERIOD)) == [
        ["Product family", "Chassis inspected", "Passed", "Pass rate"],
        ["ACX", "3", "2", "66.7%"],
        ["ISR", "4", "3", "75.0%"],
        ["QFX5K", "1", "0", "0.0%"],
    ]
    fees = csv_rows(get(client, staff, "/insights/fees-per-month.csv", PERIOD))
    assert fees[0] == [
        "Month",
        "Measure",
        "Inspection",
        "One year of support",
        "Operating-system licence re-registration",
        "Add-on licence (bought new)",
        "Subscription (bought new)",
        "Total",
    ]
    assert fees[1:] == [
        ["2026-10", "quoted", "7500.00", "1474.00", "8900.00", "150.00", "0.00", "18024.00"],
        ["2026-10", "accepted", "5500.00", "1474.00", "8900.00", "0.00", "0.00", "15874.00"],
        ["2026-10", "ordered", "2000.00", "874.00", "4000.00", "0.00", "0.00", "6874.00"],
        ["2026-11", "quoted", "1000.00", "437.00", "2000.00", "0.00", "0.00", "3437.00"],
        ["2026-11", "accepted", "1000.00", "437.00", "2000.00", "0.00", "0.00", "3437.00"],
        ["2026-11", "ordered", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00"],
    ]
    load = csv_rows(get(client, staff, "/insights/inspector-utilisation.csv", PERIOD))
    assert load[4] == ["2026-10-19", "1", "20", "5.0%"]  # one inspector away that week
    cisco = csv_rows(get(client, staff, "/insights/inspector-utilisation.csv", {**PERIOD, "vendor": "cisco"}))
    assert cisco[5] == ["2026-10-26", "1", "30", "3.3%"]  # Cisco allows 3 visits a day


def test_a_partner_sees_only_the_customers_it_serves(client, partner, other_partner, world):
    page = get(client, partner, "/insights/", PERIOD).content.decode()
    assert "The programme as it stands for the customers you serve" in page
    assert "RQ-7" in page  # Acme's, waiting too long
    assert "RQ-5" not in page and "RQ-8" not in page  # Borealis'
    assert "Cisco Systems" not in page.split('id="pass-rate-by-vendor"')[1].split("</section>")[0]
    funnel = csv_rows(get(client, partner, "/insights/requests-by-status.csv", PERIOD))
    assert {row[0]: row[1] for row in funnel[1:] if row[1] != "0"} == {
        "Submitted": "2",
        "Reinstated": "1",
        "Failed inspection": "1",
    }
    waiting = csv_rows(get(client, partner, "/insights/waiting-too-long.csv", PERIOD))
    assert waiting == [
        ["Vendor", "Status", "Requests", "Waiting since"],
        ["Juniper Networks", "Submitted", "1", "15 Sep 2026"],
    ]
    polar_waiting = csv_rows(get(client, other_partner, "/insights/waiting-too-long.csv", PERIOD))
    assert [row[:3] for row in polar_waiting[1:]] == [
        ["Cisco Systems", "Inspected", "1"],
        ["Juniper Networks", "Quote accepted", "1"],
    ]


def test_labels_are_text_in_the_chart_and_inert_in_the_csv(client, staff, world):
    Product.objects.filter(family="QFX5K").update(family='<script>alert("x")</script>')
    Product.objects.filter(family="ISR").update(family='=HYPERLINK("http://evil.example")')
    page = get(client, staff, "/insights/", PERIOD).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    families = csv_rows(get(client, staff, "/insights/pass-rate-by-family.csv", PERIOD))
    assert ['\'=HYPERLINK("http://evil.example")', "4", "3", "75.0%"] in families


def test_filters_that_do_not_read_say_so_and_show_the_last_twelve_months(client, staff, world):
    response = get(client, staff, "/insights/", {"start": "2026-11-30", "end": "2026-10-01"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "The period ends before it starts" in page
    assert "from 1 Dec 2025 to 16 Nov 2026" in page  # the default: this month and the eleven before
    response = get(client, staff, "/insights/", {"start": "not a date", "vendor": "nokia"})
    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()
    assert "Select a valid choice." in response.content.decode()
    assert get(client, staff, "/insights/", {"start": "2020-01-01", "end": "2026-11-30"}).status_code == 200
    assert "at most three years" in get(client, staff, "/insights/", {"start": "2020-01-01"}).content.decode()


# --- cost ----------------------------------------------------------------------------------------
# The page: session, user, the request's savepoint (2), vendors for the filter (1), the figures
# (funnel 1, time in status 1, pass rates 2, fees 1, utilisation 2, waiting 3); a partner's
# served customers, read once (1). The reader's organisation and the menu's unread count come
# with the user.
PAGE_QUERIES = {"staff": 15, "partner": 16}
# A CSV: session, user, savepoints of the request and of the streamed rows (4), vendors (1), and
# the figure's own queries.
CSV_QUERIES = {
    "requests-by-status": 8,
    "time-in-status": 8,
    "pass-rate-by-family": 8,
    "pass-rate-by-vendor": 8,
    "fees-per-month": 8,
    "inspector-utilisation": 9,
    "waiting-too-long": 10,
}


# A CSV of a kept figure: the CSV's own queries (session, user, savepoints, vendors) alone.
KEPT_CSV_QUERIES = 7


def grow(builder: _Builder, world, n: int, *, start: int) -> None:
    """`n` more requests, each with its moves, an inspection with a result and a quote with lines."""
    acx = Product.objects.get(model="ACX2200")
    for i in range(start, start + n):
        request = builder.request(
            f"RQ-X{i}",
            world.requests["R1"].customer,
            world.juniper,
            "GB",
            [("submitted", at(10, 6)), ("quoted", at(10, 7))],
        )
        inspection = builder.inspection(request, None, dt.date(2026, 10, 7), [(acx, "passed")])
        InspectionLine.objects.filter(inspection=inspection).update(outcome="failed" if i % 2 else "passed")
        builder.quote(request, 1, issued=at(10, 7), status="issued", lines=[("inspection", "1000.00")])


def figures_forget() -> None:
    """Drops the kept figures (insights.figures.figures_kept), so the next view works them out."""
    client = cache._cache.get_client(write=True)
    for key in client.scan_iter(f"{settings.CACHES['default']['KEY_PREFIX']}:*:insights:*"):
        client.delete(key)


def test_each_figure_costs_the_same_queries_at_3_and_at_30_requests(
    client, staff, partner, world, django_assert_num_queries
):
    builder = _Builder(staff, prefix="GROW")
    grow(builder, world, 3, start=0)
    for user in (staff, partner):
        client.force_login(user)
        client.get("/insights/", PERIOD)  # warms the content-type cache, as in any running process
        figures_forget()
        with django_assert_num_queries(PAGE_QUERIES[user.username]):
            assert client.get("/insights/", PERIOD).status_code == 200
        for figure, queries in CSV_QUERIES.items():
            figures_forget()
            with django_assert_num_queries(queries + (user is partner)):
                csv_rows(client.get(f"/insights/{figure}.csv", PERIOD))
    grow(builder, world, 27, start=3)
    for user in (staff, partner):
        client.force_login(user)
        figures_forget()
        with django_assert_num_queries(PAGE_QUERIES[user.username]):
            assert client.get("/insights/", PERIOD).status_code == 200
        for figure, queries in CSV_QUERIES.items():
            figures_forget()
            with django_assert_num_queries(queries + (user is partner)):
                csv_rows(client.get(f"/insights/{figure}.csv", PERIOD))
        # Kept: the page and each CSV read no figure (the figures' 10 queries fewer for the page, 1 to 3 for a CSV).
        client.get("/insights/", PERIOD)  # works out and keeps every figure
        with django_assert_num_queries(PAGE_QUERIES[user.username] - 10):
            assert client.get("/insights/", PERIOD).status_code == 200
        for figure in CSV_QUERIES:
            with django_assert_num_queries(KEPT_CSV_QUERIES + (user is partner)):
                csv_rows(client.get(f"/insights/{figure}.csv", PERIOD))


# --- kept figures --------------------------------------------------------------------------------
def funnel_total(page: str) -> int:
    found = re.search(
        r'<span class="stat-n">(\d+)</span><span class="stat-l">requests? opened in the period', page
    )
    assert found, "the funnel's total is on the page"
    return int(found.group(1))


def test_figures_are_kept_for_a_quarter_of_an_hour_and_worked_out_again_on_request(
    client, staff, world, time_machine
):
    page = get(client, staff, "/insights/", PERIOD).content.decode()
    assert funnel_total(page) == 7
    assert "Worked out 16 Nov 2026, 09:00 UTC; figures are kept for up to 15 minutes." in page
    grow(_Builder(staff, prefix="LATE"), world, 2, start=0)  # two more requests opened in the period

    time_machine.move_to(NOW + dt.timedelta(minutes=14), tick=False)
    page = get(client, staff, "/insights/", PERIOD).content.decode()
    assert funnel_total(page) == 7  # as worked out at 09:00
    assert "Worked out 16 Nov 2026, 09:00 UTC" in page
    funnel = csv_rows(client.get("/insights/requests-by-status.csv", PERIOD))
    assert funnel[1] == ["Submitted", "2", "28.6%"]  # the CSV says what the page says

    # The button: the same filters and `fresh`, answered by the page without the ask.
    assert '<input type="hidden" name="start" value="2026-10-01">' in page
    assert '<button class="btn btn-ghost btn-small" type="submit" name="fresh" value="1">' in page
    response = client.get("/insights/", {**PERIOD, "fresh": "1"})
    assert response.status_code == 302
    assert response["Location"] == "/insights/?start=2026-10-01&end=2026-11-30"
    page = client.get(response["Location"]).content.decode()
    assert funnel_total(page) == 9
    assert "Worked out 16 Nov 2026, 09:14 UTC" in page
    assert csv_rows(client.get("/insights/requests-by-status.csv", PERIOD))[1] == ["Submitted", "2", "22.2%"]

    grow(_Builder(staff, prefix="LATER"), world, 1, start=2)
    time_machine.move_to(NOW + dt.timedelta(minutes=30), tick=False)  # 16 minutes after: no longer kept
    page = get(client, staff, "/insights/", PERIOD).content.decode()
    assert funnel_total(page) == 10
    assert "Worked out 16 Nov 2026, 09:30 UTC" in page


def test_each_reader_scope_and_filter_keeps_its_own_figures(client, staff, partner, world):
    assert funnel_total(get(client, staff, "/insights/", PERIOD).content.decode()) == 7
    assert funnel_total(get(client, partner, "/insights/", PERIOD).content.decode()) == 4  # RQ-1, 2, 4, 6
    juniper = get(client, staff, "/insights/", {**PERIOD, "vendor": "juniper"}).content.decode()
    assert funnel_total(juniper) == 4  # RQ-1, RQ-2, RQ-5 and RQ-6
    assert funnel_total(get(client, staff, "/insights/", PERIOD).content.decode()) == 7


def test_beat_works_out_the_programme_figures_staff_see_first(
    client, staff, world, django_assert_num_queries
):
    assert programme_figures_work_out() == 7  # all seven figures, of the last twelve months, all vendors
    grow(_Builder(staff, prefix="LATE"), world, 2, start=0)
    page = get(client, staff, "/insights/").content.decode()
    assert funnel_total(page) == 8  # RQ-1 to RQ-8, as beat worked them out, not read again
    assert funnel_total(client.get("/insights/", {"fresh": "1"}, follow=True).content.decode()) == 10
