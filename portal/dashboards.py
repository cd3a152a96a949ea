"""What each role's dashboard shows: real figures from the selectors, nothing invented."""

from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from accounts import selectors
from accounts.choices import OrganizationKind, Role
from accounts.models import Organization, User
from contracts.models import Sku
from contracts.selectors import products_missing_fee_skus
from inspections.choices import InspectionStatus
from inspections.models import Inspection
from notices.models import Notice
from notices.selectors import notice_inbox
from relicensing.choices import OPEN_STATUSES, RequestStatus
from relicensing.models import Product, Request
from relicensing.selectors import (
    catalogue_kept,
    registration_counts,
    request_status_counts,
    requests_awaiting_quote,
)

AWAITING_QUOTE_SHOWN = 10


def dashboard_context(*, user: User) -> dict[str, Any]:
    context: dict[str, Any] = {
        "recent_notices": list(notice_inbox(user=user)[:5]),
        "vendors": catalogue_kept().vendors,
    }
    builder = {
        Role.CUSTOMER: _customer,
        Role.PARTNER: _partner,
        Role.INSPECTOR: _inspector,
        Role.STAFF: _staff,
    }.get(Role(user.role) if user.role else Role.STAFF if user.is_superuser else None)
    if builder is not None:
        context.update(builder(user))
    return context


def _customer(user: User) -> dict[str, Any]:
    return {
        "template": "accounts/dashboard_customer.html",
        "partners": list(Organization.objects.filter(customers=user.organization_id)),
        "equipment": registration_counts(user=user),
        "requests": requests_by_status(user=user, statuses=OPEN_STATUSES),
    }


def _partner(user: User) -> dict[str, Any]:
    customers = selectors.served_customers(user=user).annotate(user_count=Count("users"))
    return {
        "template": "accounts/dashboard_partner.html",
        "customers": list(customers),
        "sku_counts": list(
            Sku.objects.values("vendor__name").annotate(n=Count("id")).order_by("vendor__name")
        ),
        "equipment": registration_counts(user=user),
        "requests": requests_by_status(user=user, statuses=OPEN_STATUSES),
        "awaiting_quote": list(requests_awaiting_quote(user=user)[:AWAITING_QUOTE_SHOWN]),
    }


def requests_by_status(*, user: User, statuses: frozenset[str] | None = None) -> dict[str, Any]:
    """Requests in the user's reach by status, in lifecycle order: {rows: [(status, label, n)], total}."""
    wanted = [status for status in RequestStatus if statuses is None or status in statuses]
    counts = request_status_counts(user=user, statuses=wanted)
    rows = [(status.value, status.label, counts[status.value]) for status in wanted]
    return {"rows": rows, "total": sum(n for _, _, n in rows)}


UPCOMING_SHOWN = 10


def _inspector(user: User) -> dict[str, Any]:
    today = timezone.localdate()
    mine = Inspection.objects.visible_to(user).filter(status=InspectionStatus.SCHEDULED)
    return {
        "template": "accounts/dashboard_inspector.html",
        "upcoming": list(
            mine.filter(date__gte=today)
            .select_related("request__customer")
            .prefetch_related("lines")
            .order_by("date", "pk")[:UPCOMING_SHOWN]
        ),
        "overdue": list(
            mine.filter(date__lt=today).select_related("request__customer").order_by("date", "pk")
        ),
        "today": today,
    }


def inspections_summary() -> dict[str, int]:
    """For staff: visits waiting for a date, booked ahead, and past their date without results."""
    today = timezone.localdate()
    scheduled = Q(status=InspectionStatus.SCHEDULED)
    return Inspection.objects.aggregate(
        unscheduled=Count("id", filter=Q(status=InspectionStatus.UNSCHEDULED)),
        booked=Count("id", filter=scheduled & Q(date__gte=today)),
        overdue=Count("id", filter=scheduled & Q(date__lt=today)),
    )


def _staff(user: User) -> dict[str, Any]:
    organizations = Organization.objects.aggregate(
        **{kind.value: Count("id", filter=Q(kind=kind)) for kind in OrganizationKind}
    )
    roles = User.objects.filter(is_active=True).aggregate(
        **{role.value: Count("id", filter=Q(role=role)) for role in Role}
    )
    pending = Q(sent_at__isnull=True, failed_at__isnull=True) & ~Q(to_email="")
    outbox = Notice.objects.aggregate(
        sent=Count("id", filter=Q(sent_at__isnull=False)),
        waiting=Count("id", filter=pending & Q(attempts=0)),
        retrying=Count("id", filter=pending & Q(attempts__gt=0)),
        failed=Count("id", filter=Q(failed_at__isnull=False)),
    )
    return {
        "template": "accounts/dashboard_staff.html",
        "inspections": inspections_summary(),
        "organization_counts": organizations,
        "role_counts": roles,
        "outbox": outbox,
        "unquotable_products": list(products_missing_fee_skus()),
        "past_support_products": list(
            Product.objects.filter(end_of_support__lt=timezone.localdate()).select_related("vendor")
        ),
        "product_count": Product.objects.count(),
        "requests": requests_by_status(user=user),
        "awaiting_approval": Request.objects.filter(status=RequestStatus.PO_RECEIVED).count(),
        "sku_count": Sku.objects.count(),
    }
