"""Programme insights: each figure one aggregate query in the database, over the rows the reader may see.

Every figure starts from `InsightScope`: the period, the vendor (or all), and the customers the
reader reaches (None for programme staff, who see every customer). The scope is worked out once
per page, so a partner's customers are read once, not once per figure.

What each figure counts (the page says the same under each chart):
- funnel: requests opened in the period, by their status now;
- time in status: every stay in a status of those requests, from the move into it to the next
  move to another status (a stay still running counts up to now; a closed status has no stay);
- pass rate: chassis results of inspections completed in the period, as each chassis stands
  now (a staff correction replaces the original outcome);
- fees: quote lines by fee kind and month: quoted when issued (a quote replaced before anyone
  accepted it is left out, as is the final quote, which restates an accepted one), accepted when
  accepted, ordered when the purchase order for the final quote arrived (withdrawn orders left out);
- utilisation: visits booked or done per week against the inspectors' capacity that week
  (weekdays they are not away, times the visits a day the vendor allows);
- waiting too long: requests waiting on the vendor's side now, past the vendor's limit of
  business days at the site since their last move (as the escalation sweep counts them).
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import (
    Count,
    DateField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import TruncWeek
from django.utils import timezone

from accounts.models import User
from accounts.visibility import organizations_reached
from common.models import Transition
from contracts.choices import PurchaseOrderStatus, QuoteStatus, SkuKind
from inspections.choices import InspectionStatus
from inspections.models import Inspection, InspectionLine
from relicensing.business_days import holidays_between
from relicensing.choices import OPEN_STATUSES, RequestStatus
from relicensing.models import Request, Vendor
from relicensing.services.escalation import WAITING_ON_VENDOR

# The funnel's order: the lifecycle of API.md, then the ways out of it.
FUNNEL_ORDER = [
    RequestStatus.SUBMITTED,
    RequestStatus.QUOTED,
    RequestStatus.QUOTE_ACCEPTED,
    RequestStatus.INSPECTION_SCHEDULED,
    RequestStatus.INSPECTED,
    RequestStatus.PO_RECEIVED,
    RequestStatus.APPROVED,
    RequestStatus.REINSTATED,
    RequestStatus.FAILED_INSPECTION,
    RequestStatus.CANCELLED,
    RequestStatus.REJECTED,
]
FEE_KINDS = [
    SkuKind.INSPECTION,
    SkuKind.SUPPORT_YEAR,
    SkuKind.OS_LICENSE,
    SkuKind.ADDON_LICENSE,
    SkuKind.SUBSCRIPTION,
]
FEE_MEASURES = ("quoted", "accepted", "ordered")
WAITING_LISTED = 20  # the longest waits named on the page; the counts cover them all


@dataclass(frozen=True)
class InsightScope:
    start: dt.date  # first day of the period
    end: dt.date  # last day of the period (included)
    vendor: Vendor | None = None
    customers: Sequence[int] | None = None  # None: every customer (programme staff)

    @property
    def starts_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))

    @property
    def ends_before(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min))

    def reach(self, customer_lookup: str) -> Q:
        """Rows of the period's vendor and the reader's customers; `customer_lookup` leads to the
        request's customer id from the queried model (the vendor sits beside it on the request)."""
        condition = Q()
        if self.customers is not None:
            condition &= Q(**{f"{customer_lookup}__in": list(self.customers)})
        if self.vendor is not None:
            vendor_lookup = customer_lookup.removesuffix("customer_id") + "vendor_id"
            condition &= Q(**{vendor_lookup: self.vendor.pk})
        return condition


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last twelve months: this month so far and the eleven whole months before it."""
    month = today.month - 11
    start = dt.date(today.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
    return start, today


def visits_per_day(vendor: Vendor | None, vendors: Sequence[Vendor]) -> int:
    """The visits a day an inspector makes: the vendor's, or for all vendors the most any allows."""
    if vendor is not None:
        return vendor.inspections_per_inspector_per_day
    return max((v.inspections_per_inspector_per_day for v in vendors), default=1)


def insight_scope(*, user: User, start: dt.date, end: dt.date, vendor: Vendor | None) -> InsightScope:
    """The scope of the reader's insights: staff see every customer, a partner those it serves.
    (Other roles are refused before this, by the page.)"""
    customers = None if user.is_programme_staff else organizations_reached(user)
    return InsightScope(start=start, end=end, vendor=vendor, customers=customers)


# --- requests by status -------------------------------------------------------------------------
def requests_by_status(*, scope: InsightScope) -> list[tuple[str, int]]:
    """(status, requests opened in the period now in it), in lifecycle order, every status listed."""
    counts = dict(
        Request.objects.filter(scope.reach("customer_id"))
        .filter(created_at__gte=scope.starts_at, created_at__lt=scope.ends_before)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    return [(status, counts.get(status, 0)) for status in FUNNEL_ORDER]


# --- time in each status ------------------------------------------------------------------------
@dataclass(frozen=True)
class StatusTime:
    status: str
    stays: int
    median_days: float
    p90_days: float


def time_in_status(*, scope: InsightScope, now: dt.datetime | None = None) -> list[StatusTime]:
    """Median and 90th percentile of days per stay in each status, in lifecycle order (statuses
    with no stay left out). One query: the next move of each move is LEAD over the request's
    moves, read along the transition index (target type, target id, at)."""
    now = now or timezone.now()
    requests = (
        Request.objects.filter(scope.reach("customer_id"))
        .filter(created_at__gte=scope.starts_at, created_at__lt=scope.ends_before)
        .order_by()
        .values("pk")
    )
    requests_sql, requests_params = requests.query.sql_with_params()
    # A move to the same status (a re-issued quote, the first of two approvals) does not end a
    # stay, so it is left out before LEAD looks for the next move.
    sql = f"""
        SELECT status, count(*),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY days),
               percentile_cont(0.9) WITHIN GROUP (ORDER BY days)
        FROM (
            SELECT to_status AS status,
                   EXTRACT(EPOCH FROM COALESCE(left_at, %s) - at) / 86400.0 AS days,
                   left_at
            FROM (
                SELECT t.to_status, t.at,
                       LEAD(t.at) OVER (PARTITION BY t.target_id ORDER BY t.at, t.id) AS left_at
                FROM common_transition t
                WHERE t.target_type_id = %s
                  AND t.target_id IN ({requests_sql})
                  AND t.from_status <> t.to_status
            ) AS moves
        ) AS stays
        WHERE left_at IS NOT NULL OR status = ANY(%s)
        GROUP BY status
    """  # noqa: S608  (the subquery is the ORM's own SQL; every value is a parameter)
    params = [now, _request_type_id(), *requests_params, sorted(OPEN_STATUSES)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = {status: (n, median, p90) for status, n, median, p90 in cursor.fetchall()}
    return [
        StatusTime(
            status=status, stays=rows[status][0], median_days=rows[status][1], p90_days=rows[status][2]
        )
        for status in FUNNEL_ORDER
        if status in rows
    ]


def _request_type_id() -> int:
    return ContentType.objects.get_for_model(Request).pk  # cached by Django after the first read


# --- inspection pass rate -----------------------------------------------------------------------
@dataclass(frozen=True)
class PassRate:
    label: str
    passed: int
    inspected: int

    @property
    def rate(self) -> float:
        return self.passed / self.inspected if self.inspected else 0.0


def _inspected_lines(scope: InsightScope) -> QuerySet[InspectionLine]:
    return InspectionLine.objects.filter(scope.reach("inspection__request__customer_id")).filter(
        inspection__completed_at__gte=scope.starts_at,
        inspection__completed_at__lt=scope.ends_before,
        outcome__in=["passed", "failed"],
    )


def _pass_rates(lines: QuerySet[InspectionLine], group: str) -> list[PassRate]:
    rows = (
        lines.order_by()
        .values_list(group)
        .annotate(passed=Count("pk", filter=Q(outcome="passed")), inspected=Count("pk"))
        .order_by(group)
    )
    return [
        PassRate(label=label or "", passed=passed, inspected=inspected) for label, passed, inspected in rows
    ]


def pass_rate_by_family(*, scope: InsightScope) -> list[PassRate]:
    """Chassis passed of chassis inspected, per product family (blank: a unit of no known family)."""
    return _pass_rates(_inspected_lines(scope), "equipment__product__family")


def pass_rate_by_vendor(*, scope: InsightScope) -> list[PassRate]:
    return _pass_rates(_inspected_lines(scope), "equipment__vendor__name")


# --- fees per month -----------------------------------------------------------------------------
@dataclass
class FeeMonth:
    month: dt.date
    # measure -> fee kind -> amount
    amounts: dict[str, dict[str, Decimal]] = field(default_factory=dict)

    def total(self, measure: str) -> Decimal:
        return sum(self.amounts.get(measure, {}).values(), Decimal("0.00"))


def fees_per_month(*, scope: InsightScope) -> list[FeeMonth]:
    """Quoted, accepted and ordered fees per month of the period and fee kind, in one pass over the
    quote lines: each line stands for up to three dated amounts (when its quote was issued, when
    it was accepted, when its order arrived), unpivoted and summed by measure, month and kind."""
    reach: list[str] = []
    reach_params: list[int | list[int]] = []
    if scope.customers is not None:
        reach.append("request.customer_id = ANY(%s)")
        reach_params.append(list(scope.customers))
    if scope.vendor is not None:
        reach.append("request.vendor_id = %s")
        reach_params.append(scope.vendor.pk)
    # A quote replaced before anyone accepted it is no longer quoted; a final quote restates an
    # accepted one, so it counts only as what its purchase order orders. Fixed text only; every
    # value is a parameter.
    sql = f"""
        SELECT dated.measure, date_trunc('month', dated.at AT TIME ZONE %s)::date AS month, line.kind,
               sum(line.amount)
        FROM contracts_quoteline AS line
        JOIN contracts_quote AS quote ON quote.id = line.quote_id
        JOIN relicensing_request AS request ON request.id = quote.request_id
        LEFT JOIN contracts_purchaseorder AS ordered
               ON ordered.request_id = quote.request_id AND ordered.quote_id = quote.id
              AND ordered.status = ANY(%s)
        CROSS JOIN LATERAL (VALUES
            ('quoted', CASE WHEN NOT quote.is_final AND (quote.status <> %s OR quote.accepted_at IS NOT NULL)
                            THEN quote.issued_at END),
            ('accepted', CASE WHEN NOT quote.is_final THEN quote.accepted_at END),
            ('ordered', ordered.received_at)
        ) AS dated (measure, at)
        WHERE dated.at >= %s AND dated.at < %s {"".join(f" AND {condition}" for condition in reach)}
        GROUP BY 1, 2, 3
    """  # noqa: S608
    params: list[Any] = [
        timezone.get_current_timezone_name(),
        [PurchaseOrderStatus.RECEIVED, PurchaseOrderStatus.APPROVED],
        QuoteStatus.SUPERSEDED,
        scope.starts_at,
        scope.ends_before,
        *reach_params,
    ]
    months: dict[dt.date, FeeMonth] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for measure, month, kind, amount in cursor.fetchall():
            row = months.setdefault(month, FeeMonth(month=month))
            row.amounts.setdefault(measure, {})[kind] = amount
    return [months[month] for month in sorted(months)]


# --- inspector utilisation ----------------------------------------------------------------------
@dataclass(frozen=True)
class WeekLoad:
    week: dt.date  # its Monday
    visits: int
    capacity: int

    @property
    def utilisation(self) -> float:
        return self.visits / self.capacity if self.capacity else 0.0


def inspector_utilisation(*, scope: InsightScope, visits_per_day: int) -> list[WeekLoad]:
    """Visits booked or done per week of the period, against capacity: the weekdays each
    inspector is not away, times `visits_per_day` (the vendor's, or the most any vendor allows).
    Two queries: visits grouped by week; inspector-days from a calendar of the period."""
    visits = dict(
        Inspection.objects.filter(scope.reach("request__customer_id"))
        .filter(
            date__gte=scope.start,
            date__lte=scope.end,
            inspector__isnull=False,
            status__in=[InspectionStatus.SCHEDULED, InspectionStatus.COMPLETED],
        )
        .annotate(week=TruncWeek("date", output_field=DateField()))
        .order_by()
        .values_list("week")
        .annotate(n=Count("pk"))
    )
    sql = """
        SELECT date_trunc('week', day)::date AS week, count(inspector.id)
        FROM generate_series(%s::date, %s::date, interval '1 day') AS day
        LEFT JOIN inspections_inspector AS inspector ON NOT EXISTS (
            SELECT 1 FROM inspections_absence AS away
            WHERE away.inspector_id = inspector.id AND day::date BETWEEN away.starts_on AND away.ends_on
        )
        WHERE extract(isodow FROM day) < 6
        GROUP BY 1 ORDER BY 1
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [scope.start, scope.end])
        inspector_days = cursor.fetchall()
    return [
        WeekLoad(week=week, visits=visits.get(week, 0), capacity=days * visits_per_day)
        for week, days in inspector_days
    ]


# --- waiting longer than the vendor allows ------------------------------------------------------
def _weekdays_sql(day: str) -> str:
    """Weekdays from Monday 5 January 1970 up to `day` (an SQL date), in closed form: the
    difference of two is the weekdays between them, with no calendar generated per row."""
    since_epoch = f"(({day}) - DATE '1970-01-05' + 1)"
    return f"(5 * ({since_epoch} / 7) + LEAST({since_epoch} %% 7, 5))"


@dataclass(frozen=True)
class WaitingCount:
    vendor: str
    status: str
    requests: int
    since: dt.datetime  # the longest wait's start


@dataclass(frozen=True)
class Waiting:
    counts: list[WaitingCount]
    longest: list[Request]  # the longest waits, with `moved_at` and `waited` annotated

    @property
    def total(self) -> int:
        return sum(row.requests for row in self.counts)


def requests_waiting_too_long(*, scope: InsightScope, now: dt.datetime | None = None) -> Waiting:
    """Requests waiting on the vendor now, past its limit of business days (the day of the last
    move not counted; business days are weekdays less the public holidays of the site's country):
    counts per vendor and status, and the longest waits. Three queries: the site countries (for
    their holidays); the waits, each request's last move read once, grouped and the longest; the
    longest's rows."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    waiting = Request.objects.filter(scope.reach("customer_id"), status__in=WAITING_ON_VENDOR)
    # Each site country's holidays since its oldest waiting request was opened (no later than its
    # last move, and read without looking the moves up).
    holidays = [
        (country, day)
        for country, oldest in waiting.order_by()
        .values_list("site_country")
        .annotate(oldest=Min("created_at"))
        for day in holidays_between(timezone.localdate(oldest), today, country)
    ]
    last_move = Transition.objects.filter(
        target_type_id=_request_type_id(), target_id=OuterRef("pk")
    ).order_by("-at", "-pk")
    waits_sql, waits_params = (
        waiting.annotate(moved_at=Subquery(last_move.values("at")[:1]))
        .order_by()
        .values_list("pk", "vendor_id", "status", "site_country", "moved_at")
        .query.sql_with_params()
    )
    moved_on = "(waits.moved_at AT TIME ZONE %s)::date"
    # Materialised, so each request's last move is looked up once and its wait counted once for
    # both the groups (a hash aggregate) and the longest (a top-N sort). Fixed text and the ORM's
    # own SQL only; every value is a parameter.
    sql = f"""
        WITH waits (id, vendor_id, status, site_country, moved_at) AS MATERIALIZED ({waits_sql}),
        over AS MATERIALIZED (
            SELECT waits.id, waits.vendor_id, waits.status, waits.moved_at,
                   {_weekdays_sql("%s::date")} - {_weekdays_sql(moved_on)}
                   - (SELECT count(*) FROM unnest(%s::text[], %s::date[]) AS off(country, day)
                      WHERE off.country = waits.site_country AND off.day > {moved_on} AND off.day <= %s::date)
                   AS waited
            FROM waits JOIN relicensing_vendor AS vendor ON vendor.id = waits.vendor_id
            WHERE waits.moved_at <= %s AND {_weekdays_sql("%s::date")} - {_weekdays_sql(moved_on)}
                  > vendor.escalate_after_business_days
        )
        (SELECT vendor.name, over.status, count(*), min(over.moved_at), NULL::bigint, NULL::int
         FROM over JOIN relicensing_vendor AS vendor ON vendor.id = over.vendor_id
         WHERE over.waited > vendor.escalate_after_business_days
         GROUP BY vendor.name, over.status ORDER BY vendor.name, over.status)
        UNION ALL
        (SELECT NULL, NULL, NULL, over.moved_at, over.id, over.waited
         FROM over JOIN relicensing_vendor AS vendor ON vendor.id = over.vendor_id
         WHERE over.waited > vendor.escalate_after_business_days
         ORDER BY over.moved_at, over.id LIMIT %s)
    """  # noqa: S608
    tz = timezone.get_current_timezone_name()
    params = [
        *waits_params,
        *(today, today, tz, tz),  # weekdays to today, less weekdays to the move
        [country for country, _ in holidays],
        [day for _, day in holidays],
        tz,
        today,
        now - dt.timedelta(days=1),
        *(today, today, tz, tz),  # weekdays alone: holidays only lower them, so this narrows first
        WAITING_LISTED,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    counts = [
        WaitingCount(vendor=vendor, status=status, requests=n, since=since)
        for vendor, status, n, since, pk, _ in rows
        if pk is None
    ]
    longest = {row[4]: (rank, row[3], row[5]) for rank, row in enumerate(r for r in rows if r[4] is not None)}
    requests = list(Request.objects.filter(pk__in=list(longest)).select_related("vendor", "customer"))
    for request in requests:
        _, request.moved_at, request.waited = longest[request.pk]  # type: ignore[attr-defined]
    requests.sort(key=lambda request: longest[request.pk][0])
    return Waiting(counts=counts, longest=requests)
