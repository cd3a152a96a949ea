"""Eligibility is judged at the moment of decision, from the facts and today's date, not read
from the stored answer (which the six-hourly sweep refreshes)."""

import datetime as dt

import pytest

from common.errors import DomainError
from relicensing.choices import Reason
from relicensing.models import Product, Request
from tests.relicensing.registering import register
from tests.relicensing.requesting import open_request

pytestmark = pytest.mark.django_db


def test_a_chassis_whose_support_ended_this_morning_cannot_enter_a_request(customer, acx2200, frozen_friday):
    registration = register(customer)
    assert registration.eligible  # judged yesterday, stored
    # Support ends today (Friday 20 November 2026); the sweep has not run since midnight, and
    # the dates were changed in the database directly, as a data load would, so nothing refreshed.
    Product.objects.filter(pk=acx2200.pk).update(end_of_support=dt.date(2026, 11, 19))
    registration.refresh_from_db()
    assert registration.eligible  # the stored answer is stale

    with pytest.raises(DomainError) as refused:
        open_request(customer, registration)
    assert refused.value.code == "ineligible_equipment"
    assert refused.value.extra["equipment"][0]["reasons"] == [Reason.END_OF_SUPPORT]
    assert not Request.objects.exists()


def test_a_request_opened_the_day_before_support_ends_goes_through(customer, acx2200, frozen_friday):
    Product.objects.filter(pk=acx2200.pk).update(
        end_of_support=dt.date(2026, 11, 20)
    )  # ends today: still supported
    request = open_request(customer, register(customer))
    assert request.items.count() == 1
