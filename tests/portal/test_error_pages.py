"""Error pages in the portal's layout whatever the settings, and action addresses opened
directly (the back button, a new tab) leading to the page that holds the action."""

import pytest

from tests.relicensing.registering import register, text
from tests.relicensing.requesting import open_request

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[False, True], ids=["production", "debug"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def test_an_unknown_address_is_the_portals_404(client, customer, debug):
    client.force_login(customer)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = text(response)
    assert "<h1>Not found</h1>" in page and "Sign out" in page  # the layout, with the navigation
    assert "URLconf" not in page  # not Django's list of addresses


def test_another_organisations_request_is_the_portals_404(
    client, customer, other_customer, acx2200, frozen_friday, debug
):
    request = open_request(other_customer, register(other_customer))
    client.force_login(customer)
    response = client.get(f"/requests/{request.pk}/")
    assert response.status_code == 404 and "<h1>Not found</h1>" in text(response)


def test_a_crash_is_the_portals_500_page(client, customer, debug, monkeypatch):
    from portal.views import dashboard

    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(dashboard, "dashboard_context", broken)
    client.raise_request_exception = False
    client.force_login(customer)
    response = client.get("/")
    assert response.status_code == 500
    page = text(response)
    assert "Something went wrong on our side" in page and "Traceback" not in page


def test_a_method_a_page_does_not_take_is_the_portals_405(client, debug):
    response = client.delete("/login/")
    assert response.status_code == 405 and "This address only works from its button" in text(response)


def test_an_action_opened_directly_leads_to_the_page_that_holds_it(client, customer, acx2200, frozen_friday):
    request = open_request(customer, register(customer))
    client.force_login(customer)
    for action in ("cancel", "documents"):
        response = client.get(f"/requests/{request.pk}/{action}/")
        assert response.status_code == 302 and response["Location"] == f"/requests/{request.pk}/", action
    page = text(client.get(f"/requests/{request.pk}/cancel/", follow=True))
    assert "use the button on this page" in page
    request.refresh_from_db()
    assert request.status == "submitted"  # nothing happened


def test_signing_out_by_address_leads_to_the_dashboard(client, customer):
    client.force_login(customer)
    assert client.get("/logout/")["Location"] == "/"
    assert client.post("/logout/")["Location"] == "/login/"
