"""Celery tasks for quotes and contracts: reinstatement after approval (the workflow queue) and
the periodic sweeps (common.schedule), each safe to overlap or run twice."""

from celery import shared_task

from common.periodic import periodic_run
from contracts.services import quotes, reinstatement, renewal_sweeps


@shared_task(name="contracts.tasks.request_reinstate")
def request_reinstate(request_id: int) -> str | None:
    contract = reinstatement.request_reinstate(request_id=request_id)
    return contract.number if contract else None


@shared_task(name="contracts.tasks.quotes_expire")
def quotes_expire() -> int | None:
    return periodic_run(job="quotes-expire", work=quotes.quotes_expire)


@shared_task(name="contracts.tasks.requests_reinstate_due")
def requests_reinstate_due() -> int | None:
    return periodic_run(job="requests-reinstate-due", work=reinstatement.requests_reinstate_due)


@shared_task(name="contracts.tasks.renewal_reminders_send")
def renewal_reminders_send() -> int | None:
    return periodic_run(job="renewal-reminders-send", work=renewal_sweeps.renewal_reminders_send)


@shared_task(name="contracts.tasks.renewal_quotes_expire")
def renewal_quotes_expire() -> int | None:
    return periodic_run(job="renewal-quotes-expire", work=renewal_sweeps.renewal_quotes_expire)


@shared_task(name="contracts.tasks.contracts_expire")
def contracts_expire() -> int | None:
    return periodic_run(job="contracts-expire", work=renewal_sweeps.contracts_expire)
