"""Staff's read-mostly view of endpoints and the delivery log (secrets are never shown here)."""

from django.contrib import admin

from webhooks.models import WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "organization", "status", "failing_since", "created_at"]
    list_filter = ["status"]
    search_fields = ["url", "organization__name"]
    exclude = ["secret", "previous_secret"]
    readonly_fields = ["organization", "created_by", "failing_since", "paused_at", "previous_secret_until"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event_id", "type", "endpoint", "status", "attempts", "response_code", "created_at"]
    list_filter = ["status", "type"]
    search_fields = ["event_id", "endpoint__url"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
