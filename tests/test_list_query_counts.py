"""API lists cost the same number of queries at 5 rows as at 50 (no N+1 anywhere)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from relicensing.models import ComplianceHold, Equipment, Registration, Request
from relicensing.services.equipment import hold_place, registration_create
from relicensing.services.requests import request_create
from tests.relicensing.test_requests_api import SITE

pytestmark = pytest.mark.django_db


def queries_for(client, path):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured), response.json()["count"]


def test_compliance_holds(api_as, staff, juniper):
    client = api_as(staff)

    def count(rows):
        ComplianceHold.objects.all().delete()
        for n in range(rows):
            hold_place(vendor=juniper, serial_number=f"HOLD{n:08d}", reason="Fraud report", user=staff)
        queries, listed = queries_for(client, "/api/v1/compliance-holds/?page_size=100")
        assert listed == rows
        return queries

    assert count(5) == count(50)


def test_requests_with_items_and_quotes(api_as, customer, partner, acx2200, time_machine):
    from contracts.services.quotes import quote_issue

    time_machine.move_to(dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC), tick=False)
    client = api_as(customer)

    def count(rows):
        Request.objects.all().delete()
        Registration.objects.all().delete()
        Equipment.objects.all().delete()
        for n in range(rows):
            registration = registration_create(
                organization=customer.organization,
                user=customer,
                vendor=acx2200.vendor,
                serial_number=f"RQ{n:010d}",
                product="ACX2200",
                acquisition_channel="secondary_market",
            )
            request = request_create(
                customer=customer.organization,
                user=customer,
                site={k: v for k, v in SITE.items()},
                equipment=[registration.pk],
                preferred_inspection_date=dt.date(2026, 12, 7),
            )
            quote_issue(request=request, user=partner)
        queries, listed = queries_for(client, "/api/v1/requests/?page_size=100")
        assert listed == rows
        return queries

    assert count(5) == count(50)
