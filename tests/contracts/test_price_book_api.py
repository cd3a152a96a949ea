"""The price book's SKUs through the API."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.models import Sku
from tests.factories import ProductFactory, SkuFactory, VendorFactory, priced_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def acx(db):
    return ProductFactory(vendor=VendorFactory(slug="juniper", name="Juniper Networks"), model="ACX2200")


def sku(**overrides):
    return {
        "code": "SVC-INSPECT-2",
        "kind": "inspection",
        "description": "Equipment inspection, tier 2",
        "vendor": "juniper",
        "price": "1000.00",
        "products": ["ACX2200"],
        **overrides,
    }


def test_staff_adds_a_sku_and_everyone_reads_it_with_money_as_strings(api_as, staff, customer, acx):
    created = api_as(staff).post("/api/v1/skus/", sku(), format="json")
    assert created.status_code == 201, created.json()
    listed = api_as(customer).get("/api/v1/skus/?product=ACX2200").json()
    assert listed["count"] == 1
    assert listed["results"][0] == {
        "code": "SVC-INSPECT-2",
        "kind": "inspection",
        "description": "Equipment inspection, tier 2",
        "vendor": "juniper",
        "price": "1000.00",
        "currency": "USD",
        "products": ["ACX2200"],
        "non_refundable": True,
    }


@pytest.mark.parametrize("who", ["customer", "partner", "inspector"])
def test_only_staff_write_skus(api_as, everyone, acx, who):
    response = api_as(everyone[who]).post("/api/v1/skus/", sku(), format="json")
    assert response.status_code == 403
    assert not Sku.objects.exists()


def test_a_chassis_has_one_sku_of_each_fee_kind(api_as, staff, acx):
    client = api_as(staff)
    assert client.post("/api/v1/skus/", sku(), format="json").status_code == 201
    second = client.post("/api/v1/skus/", sku(code="SVC-INSPECT-9"), format="json")
    assert second.status_code == 409
    assert second.json()["code"] == "sku_kind_taken"
    assert "ACX2200" in second.json()["detail"]


def test_add_on_licences_may_stack_on_one_product(api_as, staff, acx):
    client = api_as(staff)
    for code in ("QFX5K-C1-AFL", "QFX5K-C1-PFL"):
        response = client.post("/api/v1/skus/", sku(code=code, kind="addon_license"), format="json")
        assert response.status_code == 201


def test_duplicate_code_is_a_409(api_as, staff, acx):
    client = api_as(staff)
    client.post("/api/v1/skus/", sku(), format="json")
    again = client.post("/api/v1/skus/", sku(kind="addon_license"), format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "already_exists"


def test_fee_sku_must_name_its_products(api_as, staff, acx):
    response = api_as(staff).post("/api/v1/skus/", sku(products=[]), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "products_required"


def test_unknown_product_model_is_named(api_as, staff, acx):
    response = api_as(staff).post("/api/v1/skus/", sku(products=["ACX9999"]), format="json")
    assert response.status_code == 400
    assert response.json()["products"] == ["Juniper Networks has no product model ACX9999."]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"price": "-5.00"}, "price"),
        ({"price": "ten"}, "price"),
        ({"kind": "hat"}, "kind"),
        ({"currency": "DOLLARS"}, "currency"),
    ],
)
def test_bad_sku_input_is_a_400_by_field(api_as, staff, acx, change, field):
    response = api_as(staff).post("/api/v1/skus/", sku(**change), format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_skus_filter_by_kind(api_as, customer):
    priced_product(model="ACX2200")
    body = api_as(customer).get("/api/v1/skus/?kind=support_year").json()
    assert [row["kind"] for row in body["results"]] == ["support_year"]
    assert body["results"][0]["price"] == "437.00"


def test_sku_list_costs_the_same_queries_at_5_and_50_rows(api_as, customer):
    client = api_as(customer)

    def queries_for(rows: int) -> int:
        Sku.objects.all().delete()
        for _ in range(rows):
            SkuFactory(products=[ProductFactory()])
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/skus/?page_size=100").status_code == 200
        return len(captured)

    assert queries_for(5) == queries_for(50)
