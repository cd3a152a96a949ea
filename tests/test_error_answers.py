"""An error answer commits nothing: the API rolls back what the request wrote before failing."""

from unittest import mock

import pytest

from accounts.models import Organization
from common.errors import Conflict, InvalidInput, NotPermitted
from portal.api import requests as request_api

pytestmark = pytest.mark.django_db


def half_done(exc):
    def create(**kwargs):
        Organization.objects.create(name="Written before the refusal", kind="customer")
        raise exc

    return create


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (Conflict("Taken.", code="already_requested"), 409),
        (InvalidInput({"equipment": ["No such chassis."]}), 400),
        (NotPermitted("Not yours."), 403),
    ],
)
def test_a_service_that_writes_then_refuses_leaves_nothing_behind(api_as, customer, error, status):
    body = {
        "site": {
            "name": "HQ",
            "address": "1 Way",
            "country": "GB",
            "contact_name": "C",
            "contact_email": "c@example.com",
            "contact_phone": "1",
        },
        "equipment": [1],
        "preferred_inspection_date": "2030-01-07",
    }
    with mock.patch.object(request_api.services, "request_create", side_effect=half_done(error)):
        response = api_as(customer).post("/api/v1/requests/", body, format="json")
    assert response.status_code == status
    assert not Organization.objects.filter(name="Written before the refusal").exists()
