"""Redis down: the web keeps taking requests and approvals, and nothing is lost or sent twice.

What happens: with Redis stopped, the request is saved with its notices in the outbox (201) and
the approval is recorded (202); handing their tasks to the broker fails after the commit, is
logged and dropped. Once Redis is back, nothing re-sends those tasks by itself: the periodic
sweeps do, from the database (`requests_reinstate_due` reinstates approved requests the worker
never got, `notices_resend_due` hands over the notices still in the outbox). The test sends the
two sweep tasks through the broker itself, as beat would on its next minute.
"""

import datetime as dt
from collections import Counter

import pytest
import time_machine
from django.db.models.functions import Now

from contracts.models import Contract
from contracts.tasks import requests_reinstate_due
from notices.models import Notice
from notices.tasks import notices_resend_due
from relicensing.choices import RequestStatus
from relicensing.models import Request
from tests.faults.harness import FRIDAY, eager_and_delivered_locally, eventually
from tests.relicensing.registering import register
from tests.relicensing.requesting import SITE

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_with_redis_down_a_request_and_an_approval_are_taken_and_complete_once_it_is_back(
    workers, broker, sink, api_as, customer, partner, staff, ordered
):
    # Guards the outbox and the sweeps: a notice is a row written with the change that caused it,
    # a failed hand-over to the broker is caught (the answer stays 201 / 202), and the sweeps
    # requests_reinstate_due and notices_resend_due finish the work from the database. Without
    # the caught hand-over the answers are 500s; without the sweeps nothing arrives.
    with eager_and_delivered_locally(), time_machine.travel(FRIDAY, tick=False):
        unit = register(customer, "JN11AC220002")
    workers.start()
    broker.stop()

    with time_machine.travel(FRIDAY, tick=False):  # a visit date ten business days ahead
        submitted = api_as(customer).post(
            "/api/v1/requests/",
            {"site": SITE, "equipment": [unit.pk], "preferred_inspection_date": "2026-12-07"},
            format="json",
        )
    assert submitted.status_code == 201, submitted.content
    approved = api_as(staff).post(f"/api/v1/requests/{ordered.pk}/approve/")
    assert approved.status_code == 202, approved.content
    saved = Request.objects.get(pk=submitted.json()["id"])
    assert saved.status == RequestStatus.SUBMITTED
    assert Request.objects.get(pk=ordered.pk).status == RequestStatus.APPROVED

    broker.start()
    eventually(lambda: broker.consumers() >= 1, what="the worker to reconnect to Redis")
    assert sink.messages == []  # nothing reached the worker while Redis was down

    # The sweeps' grace passes (30 s for a notice, 2 min for an approved request): dated back
    # rather than waited for, as the worker's clock cannot be moved.
    Notice.objects.filter(sent_at=None).update(next_attempt_at=Now())
    Request.objects.filter(pk=ordered.pk).update(updated_at=Now() - dt.timedelta(minutes=3))
    requests_reinstate_due.delay()
    notices_resend_due.delay()

    eventually(
        lambda: Request.objects.get(pk=ordered.pk).status == RequestStatus.REINSTATED,
        what="the approved request to be reinstated",
    )
    eventually(lambda: len(sink.messages) >= 5, what="the notices")
    eventually(broker.idle, what="the worker to finish every task")

    [contract] = Contract.objects.filter(request=ordered)

    def about(message) -> str:
        if contract.number in message["Subject"]:
            return "welcome"
        return "submitted" if saved.number in message["Subject"] else message["Subject"]

    assert Counter((m["To"], about(m)) for m in sink.messages) == {
        (customer.email, "submitted"): 1,
        (partner.email, "submitted"): 1,
        (customer.email, "welcome"): 1,
        (partner.email, "welcome"): 1,
        ("casey@acme.example", "welcome"): 1,
    }
