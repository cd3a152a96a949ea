"""Celery tasks that post webhooks; both are safe to run twice or at the same time."""

from celery import shared_task

from common.periodic import periodic_run
from webhooks import services


@shared_task(name="webhooks.tasks.webhook_send")
def webhook_send(delivery_id: int) -> bool:
    return services.webhook_delivery_send(delivery_id=delivery_id)


@shared_task(name="webhooks.tasks.webhooks_send_due")
def webhooks_send_due() -> int | None:
    """Beat sweep: deliveries that missed the broker, whose retry is due, or whose worker died."""
    return periodic_run(job="webhooks-send-due", work=services.webhooks_send_due)
