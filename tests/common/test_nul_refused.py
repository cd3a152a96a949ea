"""A NUL character in an address or its search is refused as bad input (Postgres refuses NUL in
text, so it would otherwise end as a server error): found by a review on the contract routes."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/contracts/x%00y/",
        "/api/v1/contracts/?contract_number=a%00b",
        "/api/v1/contracts/?serial_number=a%00b",
        "/api/v1/contracts/?sales_order=a%00b",
        "/api/v1/requests/?status=a%00b",
    ],
)
def test_the_api_answers_400(api_as, customer, path):
    response = api_as(customer).get(path)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_a_nul_in_a_contract_action_is_400_not_500(api_as, staff):
    response = api_as(staff).post("/api/v1/contracts/x%00y/rma/", {}, format="json")
    assert response.status_code == 400


def test_a_page_search_with_a_nul_is_a_400_page(client, customer):
    client.force_login(customer)
    response = client.get("/contracts/?q=a%00b")
    assert response.status_code == 400
    assert "That address cannot be read" in response.content.decode()
