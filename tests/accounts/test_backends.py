"""Loading the person signed in (accounts.backends): with their organisation and unread count, off a
queryset kept for the process that never holds a row itself."""

import pytest

from accounts.backends import PasswordBackend, _users_loaded
from notices.services import notice_create

pytestmark = pytest.mark.django_db


def test_each_load_is_the_person_asked_for_with_their_own_count(customer, partner):
    notice_create(
        event="api_token_issued",
        occurrence="token:1",
        target=customer,
        recipients=[customer],
        context={"username": customer.username},
    )
    backend = PasswordBackend()
    for _ in range(2):  # the second time from the kept queryset, resolved already
        loaded_customer = backend.get_user(customer.pk)
        loaded_partner = backend.get_user(partner.pk)
        assert (loaded_customer.username, loaded_customer.unread_notice_count) == ("customer", 1)
        assert (loaded_partner.username, loaded_partner.unread_notice_count) == (partner.username, 0)
        assert loaded_customer.organization.name == "Acme Networks"
    # Never evaluated itself: a row kept here would be served to the next person loaded.
    assert _users_loaded()._result_cache is None


def test_a_deactivated_person_is_signed_out_at_once(client, customer):
    client.force_login(customer)
    assert client.get("/").status_code == 200
    customer.is_active = False
    customer.save(update_fields=["is_active"])
    assert PasswordBackend().get_user(customer.pk) is None
    assert client.get("/").status_code == 302  # to the sign-in page
