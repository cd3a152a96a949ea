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
