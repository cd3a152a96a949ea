"""Catalog fixtures for the installed-base tests: Juniper and Cisco as in the demo."""

import datetime as dt
from decimal import Decimal

import pytest

from tests.factories import ProductFactory, SkuFactory, VendorFactory, priced_product


@pytest.fixture
def juniper(db):
    return VendorFactory(slug="juniper", name="Juniper Networks", serial_pattern=r"^[A-Z0-9]{12}$")


@pytest.fixture
def cisco(db):
    return VendorFactory(slug="cisco", name="Cisco Systems", serial_pattern=r"^[A-Z]{3}[0-9]{4}[A-Z0-9]{4}$")


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
