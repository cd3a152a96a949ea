"""The event types an endpoint subscribes to, and the states of endpoints and deliveries."""

from django.db import models


class WebhookEvent(models.TextChoices):
    REQUEST_STATUS_CHANGED = "request.status_changed", "Request status changed"
    QUOTE_ISSUED = "quote.issued", "Quote issued"
    QUOTE_ACCEPTED = "quote.accepted", "Quote accepted"
    INSPECTION_SCHEDULED = "inspection.scheduled", "Inspection scheduled"
    INSPECTION_RESCHEDULED = "inspection.rescheduled", "Inspection rescheduled"
    INSPECTION_RESULTS_RECORDED = "inspection.results_recorded", "Inspection results recorded"
    CONTRACT_ISSUED = "contract.issued", "Contract issued"
    CONTRACT_EXPIRING = "contract.expiring", "Contract expiring"
    RMA_RECORDED = "contract.rma_recorded", "RMA recorded"


class EndpointStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    # Kept failing: nothing is sent until its administrator resumes it; deliveries wait.
    PAUSED = "paused", "Paused"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # waiting for its (next) attempt
    SENDING = "sending", "Sending"  # claimed by one worker (compare-and-set), until its lease ends
    DELIVERED = "delivered", "Delivered"  # the endpoint answered 2xx
    FAILED = "failed", "Failed"  # a day of retries without a 2xx; only a re-send tries again
