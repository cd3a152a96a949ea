"""A real HTTP receiver on 127.0.0.1 (tests.webhooks.receiving), and the people of the webhook
tests: Acme's administrator and a teammate who is not one."""

from collections.abc import Iterator

import pytest

from tests.factories import UserFactory
from tests.webhooks.receiving import Receiver, receiving


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as box:
        yield box


@pytest.fixture
def customer_admin(customer):
    """Acme's administrator (the `customer` user, as in the demo)."""
    customer.is_organization_admin = True
    customer.save(update_fields=["is_organization_admin"])
    return customer


@pytest.fixture
def teammate(acme):
    """Another Acme user, not an administrator."""
    return UserFactory(username="teammate", organization=acme, role="customer")


@pytest.fixture
def partner_admin(partner):
    partner.is_organization_admin = True
    partner.save(update_fields=["is_organization_admin"])
    return partner
