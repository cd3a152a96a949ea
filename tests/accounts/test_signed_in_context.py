"""Templates get the signed-in person as the loaded User (accounts.context_processors.signed_in),
not behind the request's lazy stand-ins."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils.functional import SimpleLazyObject

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_a_page_gets_the_signed_in_user_itself(client, customer):
    client.force_login(customer)
    response = client.get("/")
    user = response.context["user"]
    assert type(user) is User  # not a SimpleLazyObject (the auth processor's would be)
    assert user.pk == customer.pk
    assert user.is_verified() is False  # django-otp's work on it is done: no second factor here
    assert customer.display_name in response.content.decode()


def test_a_page_for_nobody_gets_the_anonymous_user(client):
    response = client.get("/login/")
    user = response.context["user"]
    assert not isinstance(user, SimpleLazyObject)
    assert isinstance(user, AnonymousUser)


def test_any_lazy_user_is_resolved_through_every_wrapper(rf, customer):
    # Resolved from the objects themselves: no session needed, whatever wraps what.
    from accounts.context_processors import signed_in

    request = rf.get("/")
    request.user = SimpleLazyObject(lambda: SimpleLazyObject(lambda: customer))
    assert signed_in(request)["user"] is customer
    assert signed_in(rf.get("/")) == {}  # a request no middleware gave a user
