"""Vendors and products through the API: who may read, who may write, and the shapes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from relicensing.models import Product
from tests.factories import ProductFactory, VendorFactory

pytestmark = pytest.mark.django_db

CATALOG_LISTS = ["/api/v1/vendors/", "/api/v1/products/", "/api/v1/skus/"]


@pytest.mark.parametrize("path", CATALOG_LISTS)
def test_anonymous_gets_401(api, path):
    response = api.get(path)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("path", CATALOG_LISTS)
@pytest.mark.parametrize(
    "who", ["customer", "other_customer", "partner", "other_partner", "inspector", "staff"]
)
def test_everyone_signed_in_reads_the_catalog(api_as, everyone, path, who):
    assert api_as(everyone[who]).get(path).status_code == 200


@pytest.fixture
def juniper(db):
    return VendorFactory(slug="juniper", name="Juniper Networks", inspection_lead_business_days=10)


PRODUCT = {
    "vendor": "juniper",
    "model": "ACX2200",
    "family": "ACX",
    "category": "router",
    "is_chassis": True,
    "end_of_sale": None,
    "end_of_support": "2030-12-31",
    "list_price": "8500.00",
}


@pytest.mark.parametrize("who", ["customer", "partner", "inspector"])
def test_only_staff_write_products(api_as, everyone, juniper, who):
    response = api_as(everyone[who]).post("/api/v1/products/", PRODUCT, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Product.objects.exists()


def test_staff_creates_and_patches_a_product(api_as, staff, juniper):
    client = api_as(staff)
    created = client.post("/api/v1/products/", PRODUCT, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["vendor"] == "juniper"
    assert body["list_price"] == "8500.00"
    assert body["end_of_support"] == "2030-12-31"

    patched = client.patch(f"/api/v1/products/{body['id']}/", {"end_of_support": "2031-06-30"}, format="json")
    assert patched.status_code == 200
    assert patched.json()["end_of_support"] == "2031-06-30"
    assert client.get(f"/api/v1/products/{body['id']}/").json()["end_of_support"] == "2031-06-30"


def test_customer_cannot_patch_a_product(api_as, customer, juniper):
    product = ProductFactory(vendor=juniper)
    response = api_as(customer).patch(f"/api/v1/products/{product.pk}/", {"model": "X"}, format="json")
    assert response.status_code == 403


def test_same_model_twice_for_a_vendor_is_a_409(api_as, staff, juniper):
    client = api_as(staff)
    assert client.post("/api/v1/products/", PRODUCT, format="json").status_code == 201
    again = client.post("/api/v1/products/", PRODUCT, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "already_exists"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"vendor": "nokia"}, "vendor"),
        ({"category": "toaster"}, "category"),
        ({"list_price": "-1.00"}, "list_price"),
        ({"end_of_support": "31/12/2030"}, "end_of_support"),
        ({"model": ""}, "model"),
    ],
)
def test_bad_product_input_is_a_400_keyed_by_field(api_as, staff, juniper, change, field):
    response = api_as(staff).post("/api/v1/products/", {**PRODUCT, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_support_ending_before_sale_is_refused(api_as, staff, juniper):
    response = api_as(staff).post(
        "/api/v1/products/", {**PRODUCT, "end_of_sale": "2031-01-01"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_dates"


def test_a_product_cannot_change_vendor(api_as, staff, juniper):
    product = ProductFactory(vendor=juniper)
    VendorFactory(slug="cisco")
    response = api_as(staff).patch(f"/api/v1/products/{product.pk}/", {"vendor": "cisco"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "vendor_immutable"


def test_unknown_product_is_a_404(api_as, customer):
    response = api_as(customer).get("/api/v1/products/999999/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_vendors_carry_their_programme_policy(api_as, customer, juniper):
    [vendor] = api_as(customer).get("/api/v1/vendors/").json()["results"]
    assert vendor["slug"] == "juniper"
    assert vendor["inspection_lead_business_days"] == 10
    assert vendor["quote_valid_days"] == 30
    # The booking rules, at the model's defaults.
    assert vendor["inspections_per_inspector_per_day"] == 4
    assert vendor["reschedule_cutoff_business_days"] == 2
    assert vendor["max_customer_reschedules"] == 2


def test_products_filter_by_vendor(api_as, customer, juniper):
    ProductFactory(vendor=juniper, model="ACX2200")
    ProductFactory(vendor=VendorFactory(slug="cisco"), model="ISR4331")
    body = api_as(customer).get("/api/v1/products/?vendor=cisco").json()
    assert [p["model"] for p in body["results"]] == ["ISR4331"]


@pytest.mark.parametrize("path", ["/api/v1/products/", "/api/v1/vendors/"])
def test_catalog_lists_cost_the_same_queries_at_5_and_50_rows(api_as, customer, path):
    client = api_as(customer)

    def queries_for(rows: int) -> int:
        Product.objects.all().delete()
        for _ in range(rows):
            ProductFactory()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path + "?page_size=100").status_code == 200
        return len(captured)

    assert queries_for(5) == queries_for(50)
