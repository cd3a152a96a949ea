"""Shared fixtures: the six kinds of people every test speaks of, an API client, a mailbox."""

import datetime as dt
import email
import socket
from collections.abc import Iterator
from decimal import Decimal
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.cache import cache, caches
from django.test import override_settings
from rest_framework.test import APIClient

from accounts.choices import OrganizationKind, Role
from accounts.models import Organization, User
from tests.factories import (
    OrganizationFactory,
    PartnershipFactory,
    ProductFactory,
    SkuFactory,
    UserFactory,
    VendorFactory,
    priced_product,
)


@pytest.fixture(autouse=True)
def cache_starts_empty() -> None:
    """The cache is Redis, shared by every test and every run: rate limits (password resets,
    invitations, wrong current passwords) live there, and a new test database repeats the last
    one's ids; the estimated counts of long lists (common.paging) stay in this process's memory
    from test to test. Each test starts with nothing kept."""
    client = cache._cache.get_client(write=True)
    for key in client.scan_iter(f"{settings.CACHES['default']['KEY_PREFIX']}:*"):
        client.delete(key)
    caches["local"].clear()  # this process's own


# --- people -------------------------------------------------------------------
@pytest.fixture
def acme(db) -> Organization:
    return OrganizationFactory(name="Acme Networks", kind=OrganizationKind.CUSTOMER)


@pytest.fixture
def borealis(db) -> Organization:
    return OrganizationFactory(name="Borealis Data", kind=OrganizationKind.CUSTOMER)


@pytest.fixture
def operator(db) -> Organization:
    return OrganizationFactory(name="Programme Operations", kind=OrganizationKind.OPERATOR)


@pytest.fixture
def netreseller(acme) -> Organization:
    return PartnershipFactory(partner__name="NetReseller", customer=acme).partner


@pytest.fixture
def polar(borealis) -> Organization:
    return PartnershipFactory(partner__name="Polar Partners", customer=borealis).partner


@pytest.fixture
def customer(acme) -> User:
    """A customer user of Acme."""
    return UserFactory(username="customer", organization=acme, role=Role.CUSTOMER)


@pytest.fixture
def other_customer(borealis) -> User:
    """A customer user of another organisation (Borealis)."""
    return UserFactory(username="customer2", organization=borealis, role=Role.CUSTOMER)


@pytest.fixture
def partner(netreseller) -> User:
    """A user of Acme's partner."""
    return UserFactory(username="partner", organization=netreseller, role=Role.PARTNER)


@pytest.fixture
def other_partner(polar) -> User:
    """A user of a partner unrelated to Acme (it serves Borealis)."""
    return UserFactory(username="partner2", organization=polar, role=Role.PARTNER)


@pytest.fixture
def inspector(operator) -> User:
    return UserFactory(username="inspector", organization=operator, role=Role.INSPECTOR)


@pytest.fixture
def staff(operator) -> User:
    return UserFactory(username="staff", organization=operator, role=Role.STAFF)


@pytest.fixture
def everyone(customer, other_customer, partner, other_partner, inspector, staff) -> dict[str, User]:
    return {
        "customer": customer,
        "other_customer": other_customer,
        "partner": partner,
        "other_partner": other_partner,
        "inspector": inspector,
        "staff": staff,
    }


# --- catalog: Juniper and Cisco as in the demo -------------------------------
@pytest.fixture
def juniper(db):
    return VendorFactory(
        slug="juniper",
        name="Juniper Networks",
        serial_pattern=r"^[A-Z0-9]{12}$",
        serial_format="12 letters and digits",
        serial_example="JN11AC220001",
    )


@pytest.fixture
def cisco(db):
    return VendorFactory(
        slug="cisco",
        name="Cisco Systems",
        serial_pattern=r"^[A-Z]{3}[0-9]{4}[A-Z0-9]{4}$",
        serial_format="11 characters: 3 letters, 4 digits, then 4 letters or digits",
        serial_example="FOC1234X0AB",
    )


@pytest.fixture
def acx2200(juniper):
    return priced_product(vendor=juniper, model="ACX2200", list_price=Decimal("8500.00"))


@pytest.fixture
def qfx5100(juniper):
    product = priced_product(vendor=juniper, model="QFX5100", list_price=Decimal("26000.00"))
    SkuFactory(
        code="QFX5K-C1-AFL",
        kind="addon_license",
        vendor=juniper,
        price=Decimal("2950.00"),
        products=[product],
    )
    return product


@pytest.fixture
def old_cisco(cisco):
    return ProductFactory(vendor=cisco, model="WS-C3750X-48P", end_of_support=dt.date(2021, 10, 31))


# --- time -----------------------------------------------------------------------
@pytest.fixture
def frozen_friday(time_machine) -> dt.date:
    """Friday 20 November 2026, noon UTC: ten business days on is Friday 4 December."""
    time_machine.move_to(dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC), tick=False)
    return dt.date(2026, 11, 20)


# --- clients ------------------------------------------------------------------
@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def api_as(api):
    """`api_as(user)` gives the API client signed in as that user (None: anonymous)."""

    def sign_in(user: User | None) -> APIClient:
        api.force_authenticate(user=user)
        return api

    return sign_in


# --- email --------------------------------------------------------------------
class _Sink:
    """Accepts everything, except recipients whose address starts with "refused" (a permanent
    550 answer) or "busy" (a temporary 451), as real mail servers answer."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refused"):
            return "550 5.1.1 No such mailbox"
        if address.startswith("busy"):
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[_Sink]:
    """A real SMTP server on localhost; Django's SMTP backend sends to it during the tests."""
    sink = _Sink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_USE_TLS=False,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
    ):
        yield sink
    controller.stop()


@pytest.fixture
def mailbox(smtp_sink) -> list[Message]:
    """Messages delivered over SMTP during this test."""
    smtp_sink.messages.clear()
    return smtp_sink.messages


# --- a real worker ------------------------------------------------------------------------
@pytest.fixture
def notice_worker() -> Iterator[None]:
    """A Celery worker in this process (a thread, solo pool) consuming the notices queue from
    Redis: the path a notice takes in production, not eager mode."""
    from celery.contrib.testing.worker import start_worker

    from config.celery_app import app

    app.conf.task_always_eager = False
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge("notices")
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=["notices"]
        ):
            yield
    finally:
        app.conf.task_always_eager = True
