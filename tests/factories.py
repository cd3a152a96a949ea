"""factory_boy factories for the models tests build on."""

import datetime as dt
from decimal import Decimal
from typing import Any

import factory

from accounts.choices import OrganizationKind, Role
from accounts.models import Organization, Partnership, User
from contracts.choices import SkuKind
from contracts.models import Sku, SkuProduct
from relicensing.choices import ProductCategory
from relicensing.models import Product, Vendor

PASSWORD = "correct-horse-battery"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganizationKind.CUSTOMER


class PartnershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partnership

    partner = factory.SubFactory(OrganizationFactory, kind=OrganizationKind.PARTNER)
    customer = factory.SubFactory(OrganizationFactory, kind=OrganizationKind.CUSTOMER)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = "Pat"
    last_name = factory.Sequence(lambda n: f"Tester{n}")
    role = Role.CUSTOMER
    organization = factory.SubFactory(OrganizationFactory)
    is_staff = factory.LazyAttribute(lambda u: u.role == Role.STAFF)

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"vendor{n}")
    name = factory.LazyAttribute(lambda v: v.slug.title())
    serial_pattern = r"^[A-Z0-9]{8,12}$"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    vendor = factory.SubFactory(VendorFactory)
    model = factory.Sequence(lambda n: f"MX{n:04d}")
    family = "MX"
    category = ProductCategory.ROUTER
    is_chassis = True
    end_of_support = dt.date(2035, 1, 1)
    list_price = Decimal("10000.00")


class SkuFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sku
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"SKU-{n:05d}")
    kind = SkuKind.ADDON_LICENSE
    description = factory.LazyAttribute(lambda s: f"{s.code} description")
    vendor = factory.SubFactory(VendorFactory)
    price = Decimal("100.00")

    @factory.post_generation
    def products(self, create: bool, extracted: list[Product] | None, **kwargs: object) -> None:
        for product in extracted or []:
            SkuProduct.objects.create(sku=self, product=product, kind=self.kind)


def priced_product(**product_fields: object) -> Product:
    """A chassis with its three fee SKUs, ready to quote."""
    product = ProductFactory(**product_fields)
    for kind, price in [
        (SkuKind.INSPECTION, "1000.00"),
        (SkuKind.SUPPORT_YEAR, "437.00"),
        (SkuKind.OS_LICENSE, "2000.00"),
    ]:
        SkuFactory(kind=kind, vendor=product.vendor, price=Decimal(price), products=[product])
    return product


def api_registered(client: Any, serial_number: str, product: str = "ACX2200") -> int:
    """A Juniper serial registered through the API as `client`'s caller; its registration id."""
    response = client.post(
        "/api/v1/equipment/",
        {
            "vendor": "juniper",
            "serial_number": serial_number,
            "product": product,
            "acquisition_channel": "secondary_market",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    return int(response.json()["id"])
