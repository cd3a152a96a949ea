"""The request wizard's fee estimate (contracts.selectors.fee_estimate): the price book's fees per
chassis through the quotes' own pricing function, a product without a fee SKU named, never a
made-up total, and the same queries for one chassis or many."""

from decimal import Decimal

import pytest

from contracts.choices import SkuKind
from contracts.selectors import fee_estimate, quote_items, quote_preview
from tests.factories import SkuFactory, priced_product
from tests.relicensing.registering import register
from tests.relicensing.requesting import open_request

pytestmark = pytest.mark.django_db


def test_one_acx2200_is_1000_plus_437_plus_2000(customer, acx2200, frozen_friday):
    estimate = fee_estimate(registrations=[register(customer)])
    [chassis] = estimate.chassis
    assert [line.amount for line in chassis.lines] == [
        Decimal("1000.00"),
        Decimal("437.00"),
        Decimal("2000.00"),
    ]
    assert [line.kind for line in chassis.lines] == ["inspection", "support_year", "os_license"]
    assert (chassis.total, estimate.total, estimate.currency) == (
        Decimal("3437.00"),
        Decimal("3437.00"),
        "USD",
    )
    assert estimate.fees == ["Inspection", "One year of support", "Operating-system licence re-registration"]
    assert (estimate.unpriced, estimate.no_total) == ([], "")


def test_the_estimate_is_what_a_quote_issued_today_would_charge(customer, partner, acx2200, frozen_friday):
    registrations = [register(customer), register(customer, "AB12CD34EF57")]
    estimate = fee_estimate(registrations=registrations)
    preview = quote_preview(
        items=list(quote_items(request=open_request(customer, *registrations))), addons=[]
    )
    assert estimate.total == preview.total == Decimal("6874.00")
    estimated = [(c.serial_number, line.sku, line.amount) for c in estimate.chassis for line in c.lines]
    assert estimated == [(line.serial_number, line.sku, line.amount) for line in preview.lines]


def test_a_product_without_a_fee_sku_is_named_and_there_is_no_total(
    customer, acx2200, juniper, frozen_friday
):
    product = priced_product(vendor=juniper, model="ACX5448")
    product.skus.filter(kind=SkuKind.SUPPORT_YEAR).delete()
    estimate = fee_estimate(
        registrations=[register(customer), register(customer, "CD12CD34EF56", product="ACX5448")]
    )
    priced, unpriced = estimate.chassis
    assert priced.total == Decimal("3437.00")
    assert (unpriced.model, unpriced.lines, unpriced.total) == ("ACX5448", [], None)
    assert (
        "ACX5448 cannot be priced: the price book has no one year of support SKU for it." in unpriced.missing
    )
    assert (estimate.total, estimate.unpriced) == (None, ["ACX5448"])
    assert estimate.no_total == "No total: the price book cannot price ACX5448 yet."


def test_fees_in_two_currencies_are_not_added_up(customer, acx2200, juniper, frozen_friday):
    euro = priced_product(vendor=juniper, model="ACX1100")
    euro.skus.update(currency="EUR")
    estimate = fee_estimate(
        registrations=[register(customer), register(customer, "EU12CD34EF56", product="ACX1100")]
    )
    assert [c.total for c in estimate.chassis] == [Decimal("3437.00"), Decimal("3437.00")]
    assert (
        estimate.total is None
        and estimate.no_total == "No total: these fees are in more than one currency (EUR, USD)."
    )


def test_add_ons_are_left_to_the_quote(customer, qfx5100, frozen_friday):
    SkuFactory(kind=SkuKind.SUBSCRIPTION, vendor=qfx5100.vendor, price=Decimal("99.00"), products=[qfx5100])
    estimate = fee_estimate(registrations=[register(customer, product="QFX5100")])
    assert [line.kind for line in estimate.chassis[0].lines] == ["inspection", "support_year", "os_license"]
    assert estimate.total == Decimal("3437.00")


def test_one_chassis_or_ten_cost_the_same_queries(
    customer, acx2200, frozen_friday, django_assert_num_queries
):
    from relicensing.selectors import request_candidates

    register(customer)
    candidates = request_candidates(customer=customer.organization)
    with django_assert_num_queries(3):  # the registrations, then products' vendors and SKUs
        fee_estimate(registrations=candidates)
    for n in range(9):
        register(customer, f"AB12CD34EF{n:02d}")
    with django_assert_num_queries(3):
        assert (
            len(fee_estimate(registrations=request_candidates(customer=customer.organization)).chassis) == 10
        )
