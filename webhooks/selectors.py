"""Reading webhook endpoints and their deliveries, narrowed to what the caller may see."""

from django.db.models import Count, Q, QuerySet

from accounts.models import User
from webhooks.choices import DeliveryStatus
from webhooks.models import WebhookDelivery, WebhookEndpoint


def webhook_endpoint_list(*, user: User) -> QuerySet[WebhookEndpoint]:
    """The caller's own organisation's endpoints (staff: every one). A partner does not see its
    customers' endpoints, nor they its: another organisation's endpoint is a 404."""
    endpoints = (
        WebhookEndpoint.objects.select_related("organization")
        .annotate(failed=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)))
        .order_by("-created_at", "-id")
    )
    if not user.is_authenticated or not user.is_active:
        return endpoints.none()
    if user.is_programme_staff:
        return endpoints
    if user.organization_id is None:
        return endpoints.none()
    return endpoints.filter(organization_id=user.organization_id)


def webhook_delivery_list(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(endpoint=endpoint).defer("body")
