"""The history of the programme's rules (issue 12, item 7): every change to vendor policy,
products, SKUs and their prices, from the admin or the API, is kept with who, when, before and
after, shown on the record's admin page; and a quote names the price-book state it was priced from.

Expected values are stated by hand from the changes each test makes."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, InternalError, ProgrammingError, transaction
from knox.models import AuthToken

from contracts.models import Quote, Sku, SkuProduct
from relicensing.models import Product, Vendor
from tests.contracts.test_quotes_api import issue, request_for, today  # noqa: F401  # fixtures
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def admin_form(client, url: str) -> dict[str, object]:
    """The admin change form's current values as a browser would post them back, inlines included."""
    context = client.get(url).context
    form = context["adminform"].form
    data: dict[str, object] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        data[name] = field.widget.format_value(value) if isinstance(value, list) else value
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({f"{formset.prefix}-{k}": v for k, v in formset.management_form.initial.items()})
        data[f"{formset.prefix}-TOTAL_FORMS"] = len(formset.initial_forms)
        for subform in formset.initial_forms:
            for name in subform.fields:
                value = subform[name].value()
                data[subform.add_prefix(name)] = "" if value is None else value
    data["_save"] = "Save"
    return {k: ("" if v is None else v) for k, v in data.items()}


@pytest.fixture
def staff_admin(client, staff):
    staff.is_staff = True
    staff.is_superuser = True
    staff.first_name, staff.last_name = "Sam", "Staff"
    staff.save()
    client.force_login(staff)
    return client


def test_a_price_changed_in_the_admin_is_kept_with_who_before_and_after(staff_admin, staff, acx2200):
    sku = Sku.objects.get(products=acx2200, kind="support_year")  # 437.00 in the test price book
    url = f"/admin/contracts/sku/{sku.pk}/change/"
    data = admin_form(staff_admin, url)
    data["price"] = "455.50"
    response = staff_admin.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    [change] = [e for e in sku.history.order_by("pgh_id") if e.pgh_label == "update"]
    assert change.price == Decimal("455.50")
    assert change.pgh_context.metadata == {"user": staff.pk, "url": url}
    page = staff_admin.get(url).content.decode()
    assert "Changes to this record" in page
    assert "Sam Staff" in page
    assert "437.00" in page and "455.50" in page
    assert f"/admin/contracts/sku/{sku.pk}/change/" in page  # the URL the change was made at


def test_who_is_the_signed_in_user_of_the_admin_and_of_an_api_token(
    client, staff_admin, staff, juniper, acx2200
):
    vendor_url = f"/admin/relicensing/vendor/{juniper.pk}/change/"
    data = admin_form(staff_admin, vendor_url)
    data["quote_valid_days"] = 45
    assert staff_admin.post(vendor_url, data).status_code == 302

    _, token = AuthToken.objects.create(staff)
    response = client.generic(
        "PATCH",
        f"/api/v1/products/{acx2200.pk}/",
        '{"end_of_support": "2031-06-30"}',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 200, response.content

    vendor_change = juniper.history.get(pgh_label="update")
    assert vendor_change.quote_valid_days == 45
    assert vendor_change.pgh_context.metadata == {"user": staff.pk, "url": vendor_url}
    product_change = acx2200.history.get(pgh_label="update")
    assert product_change.end_of_support == dt.date(2031, 6, 30)
    assert product_change.pgh_context.metadata == {"user": staff.pk, "url": f"/api/v1/products/{acx2200.pk}/"}

    page = staff_admin.get(vendor_url).content.decode()
    assert "quote valid days" in page.lower()
    assert ">30<" in page and ">45<" in page


def test_a_sku_created_through_the_api_and_linked_to_a_product_shows_on_both_pages(
    client, staff_admin, staff, juniper, acx2200
):
    _, token = AuthToken.objects.create(staff)
    body = {
        "code": "ACX-PORT-10G",
        "kind": "addon_license",
        "description": "10G port licence",
        "vendor": "juniper",
        "price": "640.00",
        "currency": "USD",
        "products": ["ACX2200"],
        "non_refundable": True,
    }
    response = client.post(
        "/api/v1/skus/", body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {token}"
    )
    assert response.status_code == 201, response.content
    sku = Sku.objects.get(code="ACX-PORT-10G")
    link = SkuProduct.objects.get(sku=sku)
    assert sku.history.get().pgh_label == "insert"
    assert link.history.get().pgh_context.metadata["user"] == staff.pk

    sku_page = staff_admin.get(f"/admin/contracts/sku/{sku.pk}/change/").content.decode()
    product_page = staff_admin.get(f"/admin/relicensing/product/{acx2200.pk}/change/").content.decode()
    assert "640.00" in sku_page
    for page in (sku_page, product_page):
        assert "product the SKU applies to" in page
        assert "ACX-PORT-10G" in page


def test_every_change_is_on_the_history_page_and_history_rows_cannot_be_rewritten(staff_admin, juniper):
    product = ProductFactory(vendor=juniper, model="MX204", list_price=Decimal("100.00"))
    for price in ("110.00", "120.00", "130.00"):
        product.list_price = Decimal(price)
        product.save()
    product.save()  # nothing changed: no row
    assert [e.pgh_label for e in product.history.order_by("pgh_id")] == [
        "insert",
        "update",
        "update",
        "update",
    ]

    page = staff_admin.get(f"/admin/relicensing/product/{product.pk}/history/").content.decode()
    for price in ("100.00", "110.00", "120.00", "130.00"):
        assert price in page

    event = product.history.latest("pgh_id")
    for rewrite in (lambda: product.history.filter(pk=event.pk).update(list_price=0), event.delete):
        with pytest.raises((InternalError, ProgrammingError, IntegrityError)), transaction.atomic():
            rewrite()
    assert product.history.count() == 4


def test_a_quote_names_the_sku_revisions_it_was_priced_from(api_as, partner, staff, acx2200, request_for):  # noqa: F811
    support = Sku.objects.get(products=acx2200, kind="support_year")
    request_id = request_for("ACX2200")["id"]  # signs the shared client in as the customer
    response = issue(api_as(partner), request_id)
    assert response.status_code == 201, response.json()
    first = response.json()
    revision_then = support.history.latest("pgh_id")
    line = next(line for line in first["lines"] if line["sku"] == support.code)
    assert line["unit_price"] == "437.00"
    assert line["sku_revision"] == revision_then.pgh_id
    assert revision_then.price == Decimal("437.00")

    support.price = Decimal("480.00")
    support.save()
    second = issue(api_as(partner), first["request"]).json()
    line = next(line for line in second["lines"] if line["sku"] == support.code)
    assert line["unit_price"] == "480.00"
    assert line["sku_revision"] == support.history.latest("pgh_id").pgh_id != revision_then.pgh_id

    # The first quote still names the state it was priced from, and that state still says 437.00.
    old_line = Quote.objects.get(pk=first["id"]).lines.get(sku=support.code)
    assert old_line.sku_revision.price == Decimal("437.00")
    page = api_as(partner).get(f"/api/v1/quotes/{first['id']}/").json()
    assert {ln["sku_revision"] for ln in page["lines"]} == {
        Sku.objects.get(products=acx2200, kind=kind).history.order_by("pgh_id").first().pgh_id
        for kind in ("inspection", "support_year", "os_license")
    }


def test_a_vendor_and_product_made_by_a_command_say_so(staff_admin):
    vendor = Vendor.objects.create(slug="arista", name="Arista Networks")
    page = staff_admin.get(f"/admin/relicensing/vendor/{vendor.pk}/change/").content.decode()
    assert "a command or migration, outside the portal" in page
    assert Product.objects.count() == 0
