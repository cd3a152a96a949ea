"""Celery tasks for quotes and contracts: the expiry sweep, reinstatement after approval and its
sweep (each safe to overlap or run twice)."""

from celery import shared_task

from contracts.services import quotes, reinstatement, renewals


@shared_task(name="contracts.tasks.quotes_expire")
def quotes_expire() -> int:
    return quotes.quotes_expire()


@shared_task(name="contracts.tasks.request_reinstate")
def request_reinstate(request_id: int) -> str | None:
    contract = reinstatement.request_reinstate(request_id=request_id)
    return contract.number if contract else None


@shared_task(name="contracts.tasks.requests_reinstate_due")
def requests_reinstate_due() -> int:
    return reinstatement.requests_reinstate_due()


@shared_task(name="contracts.tasks.renewal_reminders_send")
def renewal_reminders_send() -> int:
    return renewals.renewal_reminders_send()


@shared_task(name="contracts.tasks.renewal_quotes_expire")
def renewal_quotes_expire() -> int:
    return renewals.renewal_quotes_expire()


@shared_task(name="contracts.tasks.contracts_expire")
def contracts_expire() -> int:
    return renewals.contracts_expire()
