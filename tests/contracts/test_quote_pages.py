"""The quote pages: the partner's builder (preview, then issue), a quote's page and PDF,
accepting after a confirmation, the history of revisions, and who may do what."""

import pytest

from contracts.choices import QuoteStatus
from contracts.models import Quote
from contracts.services.quotes import quote_accept, quote_issue
from relicensing.choices import RequestStatus
from relicensing.models import Request
from tests.factories import ProductFactory, SkuFactory
from tests.relicensing.registering import register, text
from tests.relicensing.requesting import open_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def acx_request(customer, acx2200, frozen_friday):
    return open_request(customer, register(customer))


@pytest.fixture
def qfx_request(customer, qfx5100, frozen_friday):
    return open_request(customer, register(customer, "QF12CD34EF56", product="QFX5100"))


def builder(client, request, data=None):
    url = f"/requests/{request.pk}/quote/"
    return client.post(url, data) if data is not None else client.get(url)


def test_builder_shows_one_acx2200_at_exactly_3437(client, partner, acx_request):
    client.force_login(partner)
    page = text(builder(client, acx_request))
    assert "Preview: the quote as it will be issued" in page
    assert page.count("non-refundable</span>") == 3
    assert "USD 1,000.00" in page and "USD 437.00" in page and "USD 2,000.00" in page
    assert '<th class="num total">USD 3,437.00</th>' in page
    assert "valid until 20 Dec 2026 if issued today" in page
    assert "no add-on licence or subscription for the ACX2200" in page


def test_an_addon_adds_its_list_price_and_issues_exactly_as_previewed(client, partner, qfx_request):
    client.force_login(partner)
    registration = qfx_request.items.get().registration_id
    field = f"addon-{registration}-QFX5K-C1-AFL"
    assert f'name="{field}"' in text(builder(client, qfx_request))
    preview = text(builder(client, qfx_request, {field: "2", "action": "preview", "previewed": ""}))
    assert "QFX5K-C1-AFL" in preview and "USD 5,900.00" in preview  # 2 x 2,950.00
    assert '<th class="num total">USD 9,337.00</th>' in preview  # 3,437.00 + 5,900.00
    previewed = f"{registration}:QFX5K-C1-AFL:2"
    assert f'name="previewed" value="{previewed}"' in preview

    response = builder(client, qfx_request, {field: "2", "action": "issue", "previewed": previewed})
    assert response.url == f"/requests/{qfx_request.pk}/"
    quote = Quote.objects.get()
    assert str(quote.total) == "9337.00"
    assert [(line.sku.split("-")[0], line.quantity, str(line.amount)) for line in quote.lines.all()][-1] == (
        "QFX5K",
        2,
        "5900.00",
    )
    assert Request.objects.get().status == RequestStatus.QUOTED


def test_issue_after_changing_quantities_shows_the_new_preview_first(client, partner, qfx_request):
    client.force_login(partner)
    field = f"addon-{qfx_request.items.get().registration_id}-QFX5K-C1-AFL"
    page = text(builder(client, qfx_request, {field: "1", "action": "issue", "previewed": ""}))
    assert "The quantities changed since the last preview" in page
    assert '<th class="num total">USD 6,387.00</th>' in page
    assert not Quote.objects.exists()


def test_bad_quantities_are_refused_on_the_field(client, partner, qfx_request):
    client.force_login(partner)
    field = f"addon-{qfx_request.items.get().registration_id}-QFX5K-C1-AFL"
    page = text(builder(client, qfx_request, {field: "-1", "action": "issue", "previewed": ""}))
    assert "Ensure this value is greater than or equal to 0." in page
    assert not Quote.objects.exists()


def test_a_product_missing_a_fee_sku_is_named_instead_of_a_preview(
    client, partner, customer, juniper, frozen_friday
):
    product = ProductFactory(vendor=juniper, model="EX4300")
    for kind in ("inspection", "support_year"):
        SkuFactory(kind=kind, vendor=juniper, products=[product])
    request = open_request(customer, register(customer, "EX12CD34EF56", product="EX4300"))
    client.force_login(partner)
    page = text(builder(client, request))
    assert (
        "EX4300 cannot be priced: the price book has no operating-system licence re-registration SKU" in page
    )
    assert "Issue quote" not in page
    builder(client, request, {"action": "issue", "previewed": ""})
    assert not Quote.objects.exists()


def test_only_the_partner_and_staff_build_quotes(client, everyone, acx_request):
    for who, status in [("customer", 403), ("other_partner", 404), ("other_customer", 404), ("staff", 200)]:
        client.force_login(everyone[who])
        assert builder(client, acx_request).status_code == status, who
        assert builder(client, acx_request, {"action": "issue", "previewed": ""}).status_code in (status, 302)
    assert Quote.objects.count() == 1  # staff's issue went through; nobody else's did


def test_builder_is_closed_once_a_quote_is_accepted(client, partner, customer, acx_request):
    quote_accept(quote=quote_issue(request=acx_request, user=partner), user=customer)
    client.force_login(partner)
    page = text(client.get(f"/requests/{acx_request.pk}/quote/", follow=True))
    assert "is quote accepted; quotes are issued while it is submitted or quoted." in page


# --- a quote, its PDF, accepting it ----------------------------------------------------
def test_quote_page_and_pdf(client, customer, partner, acx_request):
    quote = quote_issue(request=acx_request, user=partner)
    client.force_login(customer)
    page = text(client.get(f"/quotes/{quote.pk}/"))
    assert quote.number in page and "Issued" in page and "20 Dec 2026" in page
    assert "USD 3,437.00" in page and f'href="/quotes/{quote.pk}/pdf/"' in page and "Accept quote" in page
    pdf = client.get(f"/quotes/{quote.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == f'attachment; filename="{quote.number}.pdf"'
    assert pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize("who", ["other_customer", "other_partner"])
def test_another_organisations_quote_is_not_found(client, everyone, acx_request, who):
    quote = quote_issue(request=acx_request, user=everyone["partner"])
    client.force_login(everyone[who])
    assert client.get(f"/quotes/{quote.pk}/").status_code == 404
    assert client.get(f"/quotes/{quote.pk}/pdf/").status_code == 404
    assert client.post(f"/quotes/{quote.pk}/accept/", {"confirmed": "yes"}).status_code == 404
    assert Quote.objects.get().status == QuoteStatus.ISSUED


def test_customer_accepts_after_a_confirmation_that_fees_are_non_refundable(
    client, customer, partner, acx_request
):
    quote = quote_issue(request=acx_request, user=partner)
    client.force_login(customer)
    request_page = text(client.get(f"/requests/{acx_request.pk}/"))
    assert f'action="/quotes/{quote.pk}/accept/"' in request_page and "USD 3,437.00" in request_page
    confirm = text(client.post(f"/quotes/{quote.pk}/accept/"))
    assert f"Accept quote {quote.number}?" in confirm and "USD 3,437.00" in confirm
    assert "Every fee in the programme is non-refundable" in confirm
    assert Quote.objects.get().status == QuoteStatus.ISSUED
    page = text(client.post(f"/quotes/{quote.pk}/accept/", {"confirmed": "yes"}, follow=True))
    assert f"Quote {quote.number} is accepted." in page
    assert (Quote.objects.get().status, Request.objects.get().status) == ("accepted", "quote_accepted")
    assert "Accept quote" not in page and "Programme staff now schedule the inspection" in page


def test_partner_accepts_too_but_staff_do_not(client, partner, staff, acx_request):
    quote = quote_issue(request=acx_request, user=partner)
    client.force_login(staff)
    assert "Accept quote" not in text(client.get(f"/quotes/{quote.pk}/"))
    assert client.post(f"/quotes/{quote.pk}/accept/", {"confirmed": "yes"}).status_code == 403
    client.force_login(partner)
    client.post(f"/quotes/{quote.pk}/accept/", {"confirmed": "yes"})
    assert Quote.objects.get().status == QuoteStatus.ACCEPTED


def test_revisions_are_kept_and_a_superseded_quote_cannot_be_accepted(client, customer, partner, acx_request):
    first = quote_issue(request=acx_request, user=partner)
    second = quote_issue(request=acx_request, user=partner)
    client.force_login(customer)
    page = text(client.get(f"/requests/{acx_request.pk}/"))
    assert "Earlier quotes" in page and f'href="/quotes/{first.pk}/"' in page
    assert "Superseded by a newer quote" in page and second.number in page
    old = text(client.get(f"/quotes/{first.pk}/"))
    assert "A newer quote replaced this one" in old and "Accept quote" not in old
    page = text(client.post(f"/quotes/{first.pk}/accept/", {"confirmed": "yes"}, follow=True))
    assert "only the current issued quote can be accepted" in page
