"""The figures of the insights page: each a chart, a note on what it counts, and its numbers as
rows, the same rows the page's table shows and its CSV download holds."""

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.utils import timezone
from django.utils.safestring import SafeString

from common.formats import day
from contracts.choices import SkuKind
from insights import charts
from insights.selectors import (
    FEE_KINDS,
    FEE_MEASURES,
    InsightScope,
    Waiting,
    fees_per_month,
    inspector_utilisation,
    pass_rate_by_family,
    pass_rate_by_vendor,
    requests_by_status,
    requests_waiting_too_long,
    time_in_status,
)
from relicensing.choices import RequestStatus

Cell = str | int


@dataclass(frozen=True)
class Figure:
    slug: str  # its CSV: /insights/<slug>.csv
    title: str
    note: str
    header: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    chart: SafeString | None
    extra: object = None  # what a figure's own part of the page needs besides its table


def _status(status: str) -> str:
    return str(RequestStatus(status).label)


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "none"


def _days(value: float) -> str:
    return f"{value:.1f}"


def status_funnel(scope: InsightScope, **_: object) -> Figure:
    counts = requests_by_status(scope=scope)
    total = sum(n for _, n in counts)
    rows = [(_status(status), n, _percent(n, total)) for status, n in counts]
    chart = charts.bar_chart(
        name="funnel",
        title="Requests by status",
        desc=f"{total} requests opened in the period, by their status now: "
        + "; ".join(f"{label} {n}" for label, n, _ in rows),
        bars=[charts.Bar(label=label, value=n, text=str(n)) for label, n, _ in rows],
    )
    return Figure(
        slug="requests-by-status",
        title="Requests by status",
        note="Requests opened in the period, by the status each is in now, in the order of the lifecycle; "
        "the last three are the ways out of it.",
        header=("Status", "Requests", "Share"),
        rows=rows,
        chart=chart,
        extra=total,
    )


def status_times(scope: InsightScope, now: dt.datetime | None = None, **_: object) -> Figure:
    times = time_in_status(scope=scope, now=now)
    rows = [(_status(t.status), t.stays, _days(t.median_days), _days(t.p90_days)) for t in times]
    chart = charts.paired_bar_chart(
        name="time-in-status",
        title="Days spent in each status",
        desc="Median and 90th percentile days per stay: "
        + "; ".join(f"{label}: median {median}, 90th percentile {p90}" for label, _, median, p90 in rows),
        rows=[
            (
                label,
                charts.Bar(label="median", value=t.median_days, text=f"{median} d"),
                charts.Bar(label="90th percentile", value=t.p90_days, text=f"{p90} d"),
            )
            for t, (label, _, median, p90) in zip(times, rows, strict=True)
        ],
        legend=("Median", "90th percentile"),
    )
    return Figure(
        slug="time-in-status",
        title="Days spent in each status",
        note="Each stay of the period's requests in a status, from the move into it to the move out; a stay "
        "still running counts up to now. Half the stays were shorter than the median, nine in ten shorter "
        "than the 90th percentile.",
        header=("Status", "Stays", "Median days", "90th percentile days"),
        rows=rows,
        chart=chart,
    )


def _pass_rate_figure(slug: str, title: str, what: str, rates: list, unknown: str) -> Figure:
    rows = [(r.label or unknown, r.inspected, r.passed, _percent(r.passed, r.inspected)) for r in rates]
    chart = charts.bar_chart(
        name=slug,
        title=title,
        desc="Share of inspected chassis that passed: "
        + "; ".join(f"{label} {rate} of {n}" for label, n, _, rate in rows),
        bars=[
            charts.Bar(label=f"{label} ({n} inspected)", value=r.rate, text=rate)
            for r, (label, n, _, rate) in zip(rates, rows, strict=True)
        ],
        maximum=1.0,
    )
    return Figure(
        slug=slug,
        title=title,
        note=f"Chassis of inspections completed in the period, by {what}, as each stands now (a staff "
        "correction replaces the original outcome).",
        header=(what.capitalize(), "Chassis inspected", "Passed", "Pass rate"),
        rows=rows,
        chart=chart,
    )


def pass_rate_family(scope: InsightScope, **_: object) -> Figure:
    return _pass_rate_figure(
        "pass-rate-by-family",
        "Inspection pass rate by product family",
        "product family",
        pass_rate_by_family(scope=scope),
        "No family recorded",
    )


def pass_rate_vendor(scope: InsightScope, **_: object) -> Figure:
    return _pass_rate_figure(
        "pass-rate-by-vendor",
        "Inspection pass rate by vendor",
        "vendor",
        pass_rate_by_vendor(scope=scope),
        "—",
    )


def _months(scope: InsightScope) -> list[dt.date]:
    months, month = [], scope.start.replace(day=1)
    while month <= scope.end:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def fees(scope: InsightScope, **_: object) -> Figure:
    found = {row.month: row for row in fees_per_month(scope=scope)}
    months = _months(scope)
    kinds = [str(SkuKind(kind).label) for kind in FEE_KINDS]
    rows: list[list[Cell]] = []
    for month in months:
        row = found.get(month)
        for measure in FEE_MEASURES:
            amounts = row.amounts.get(measure, {}) if row else {}
            values = [amounts.get(kind, Decimal("0.00")) for kind in FEE_KINDS]
            rows.append(
                [month.strftime("%Y-%m"), measure, *(f"{v:.2f}" for v in values), f"{sum(values):.2f}"]
            )
    fee_charts = {
        measure: charts.stacked_columns(
            name=f"fees-{measure}",
            title=f"Fees {measure} per month, USD",
            desc=f"Fees {measure} per month by fee kind: "
            + "; ".join(f"{r[0]} USD {r[-1]}" for r in rows if r[1] == measure),
            columns=[
                (month.strftime("%b"), [float(v) for v in r[2:-1]])
                for month, r in zip(months, (r for r in rows if r[1] == measure), strict=True)
            ],
            top_label=lambda top: f"USD {top:,.0f}",
        )
        for measure in FEE_MEASURES
    }
    return Figure(
        slug="fees-per-month",
        title="Fees quoted, accepted and ordered per month",
        note="Quote lines by fee kind. Quoted: in the month a quote was issued (a quote replaced before anyone "
        "accepted it is left out, and so is the final quote, which restates an accepted one). Accepted: in "
        "the month the customer accepted it. Ordered: the final quote's lines, in the month its purchase order "
        "arrived.",
        header=("Month", "Measure", *kinds, "Total"),
        rows=rows,
        chart=None,
        extra={"charts": fee_charts, "kinds": list(enumerate(kinds))},
    )


def utilisation(scope: InsightScope, visits_per_day: int = 1, **_: object) -> Figure:
    weeks = inspector_utilisation(scope=scope, visits_per_day=visits_per_day)
    rows = [(w.week.isoformat(), w.visits, w.capacity, _percent(w.visits, w.capacity)) for w in weeks]
    chart = charts.columns_with_line(
        name="utilisation",
        title="Inspector visits per week against capacity",
        desc=f"{sum(w.visits for w in weeks)} visits in {len(weeks)} weeks; "
        + "; ".join(f"week of {day(w.week)}: {w.visits} of {w.capacity}" for w in weeks if w.visits),
        columns=[(day(w.week), w.visits, w.capacity) for w in weeks],
        labels=("Visits", "Capacity"),
    )
    return Figure(
        slug="inspector-utilisation",
        title="Inspector utilisation per week",
        note=f"Visits booked or done in each week (from its Monday), against capacity: the weekdays each "
        f"inspector is not away, times {visits_per_day} visit{'s' if visits_per_day != 1 else ''} a day "
        "(the vendor's limit; for all vendors, the highest).",
        header=("Week from", "Visits", "Capacity", "Utilisation"),
        rows=rows,
        chart=chart,
    )


def waiting(scope: InsightScope, now: dt.datetime | None = None, **_: object) -> Figure:
    found: Waiting = requests_waiting_too_long(scope=scope, now=now)
    rows = [(row.vendor, _status(row.status), row.requests, day(row.since)) for row in found.counts]
    chart = charts.bar_chart(
        name="waiting",
        title="Requests waiting too long on the vendor",
        desc=f"{found.total} requests waiting past the vendor's limit: "
        + "; ".join(f"{vendor}, {status}: {n}" for vendor, status, n, _ in rows),
        bars=[charts.Bar(label=f"{vendor}: {status}", value=n, text=str(n)) for vendor, status, n, _ in rows],
    )
    return Figure(
        slug="waiting-too-long",
        title="Requests waiting too long",
        note="Requests waiting on the vendor's side now (for a quote, an inspection date, the order's approval "
        "or reinstatement) for more business days at the site than the vendor allows since their last move. "
        "Now, whatever the period.",
        header=("Vendor", "Status", "Requests", "Waiting since"),
        rows=rows,
        chart=chart if rows else None,
        extra=found,
    )


FIGURES: dict[str, Callable[..., Figure]] = {
    "requests-by-status": status_funnel,
    "time-in-status": status_times,
    "pass-rate-by-family": pass_rate_family,
    "pass-rate-by-vendor": pass_rate_vendor,
    "fees-per-month": fees,
    "inspector-utilisation": utilisation,
    "waiting-too-long": waiting,
}


# --- figures kept for a while -------------------------------------------------------------------
# Over a programme's year the figures read hundreds of thousands of rows (seconds: bench/RESULTS.md),
# and they move slowly: each is kept in the shared cache for a quarter of an hour per reader's scope,
# the page says when they were worked out, and the reader may ask for them again at once. Beat works
# out the programme-wide default (staff's first view) every ten minutes, so it is always kept.
KEPT_FOR = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class Kept:
    at: dt.datetime  # when the figures were worked out (their "now")
    figures: dict[str, Figure]


def _kept_key(slug: str, scope: InsightScope, visits_per_day: int) -> str:
    customers = "all" if scope.customers is None else ",".join(map(str, sorted(scope.customers)))
    vendor = scope.vendor.pk if scope.vendor else "all"
    reach = hashlib.sha256(f"{scope.start}|{scope.end}|{vendor}|{customers}|{visits_per_day}".encode())
    return f"insights:{slug}:{reach.hexdigest()[:32]}"


def figures_kept(
    scope: InsightScope,
    *,
    visits_per_day: int,
    slugs: Sequence[str] = tuple(FIGURES),
    now: dt.datetime | None = None,
    fresh: bool = False,
) -> Kept:
    """The figures named by `slugs`, in that order, for the scope: those worked out less than
    KEPT_FOR ago as they were, the others (or all, when `fresh`) worked out now and kept. `at` is
    the oldest of their times, which the page shows."""
    now = now or timezone.now()
    keys = {slug: _kept_key(slug, scope, visits_per_day) for slug in slugs}
    found = {} if fresh else cache.get_many(list(keys.values()))
    figures: dict[str, Figure] = {}
    times: list[dt.datetime] = []
    worked_out: dict[str, tuple[dt.datetime, Figure]] = {}
    for slug, key in keys.items():
        kept = found.get(key)
        if kept is None or not now - KEPT_FOR < kept[0] <= now:
            kept = worked_out[key] = (now, FIGURES[slug](scope, now=now, visits_per_day=visits_per_day))
        times.append(kept[0])
        figures[slug] = kept[1]
    if worked_out:
        cache.set_many(worked_out, timeout=int(KEPT_FOR.total_seconds()))
    return Kept(at=min(times), figures=figures)
