"""The quote pages: the partner's builder (preview, then issue), a quote's page and PDF,
accepting after a confirmation, the history of revisions, and who may do what."""

import re
from html import unescape

import pytest

from contracts import selectors
from contracts.choices import QuoteStatus
from contracts.models import Quote
from contracts.pdf import quote_pdf, quote_pdf_html
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
    assert "Accept quote" not in page and "programme staff book it with an inspector" in page


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


# --- who the quote is from; the partner's reference and note ---------------------------
NETRESELLER_BLOCK = (  # as the PDF prints it
    "NetReseller 12 Channel Street Manchester M1 2AB United Kingdom "
    "quotes@netreseller.example +44 161 496 0123"
)
NETRESELLER_ON_PAGE = (
    "NetReseller 12 Channel Street Manchester M1 2AB United Kingdom "
    "Email quotes@netreseller.example Phone +44 161 496 0123"
)
NOTE = "Inspection fits the Leeds visit on 7 Dec.\nBring <b>both</b> PSUs & the console cable."


def plain(html: str) -> str:
    """The words of a page or of the PDF's HTML, tags dropped and white space collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.fixture
def netreseller_on_record(netreseller, partner):
    """NetReseller's contact details as the demo has them, and its user's name."""
    netreseller.address = "12 Channel Street\nManchester M1 2AB"
    netreseller.country = "GB"
    netreseller.email = "quotes@netreseller.example"
    netreseller.phone = "+44 161 496 0123"
    netreseller.save()
    partner.first_name, partner.last_name = "Priya", "Natarajan"
    partner.save()
    return netreseller


def test_builder_keeps_reference_and_note_through_preview_and_issues_them(
    client, partner, netreseller_on_record, acx_request
):
    client.force_login(partner)
    page = text(builder(client, acx_request))
    assert 'name="reference"' in page and 'maxlength="64"' in page
    assert 'name="note"' in page and 'maxlength="1000"' in page
    words = {"reference": "NR-2026-0042", "note": NOTE}
    preview = builder(client, acx_request, {**words, "action": "preview", "previewed": ""}).content.decode()
    assert 'value="NR-2026-0042"' in preview  # kept in the field for the issue that follows
    escaped = "Bring &lt;b&gt;both&lt;/b&gt; PSUs &amp; the console cable."
    assert f">\nInspection fits the Leeds visit on 7 Dec.\n{escaped}</textarea>" in preview
    shown = plain(preview.split('id="preview-title"')[1])
    assert "From " + NETRESELLER_ON_PAGE in shown
    assert "Reference NR-2026-0042 Inspection fits the Leeds visit on 7 Dec. Bring <b>both</b> PSUs" in shown
    assert "Bring &lt;b&gt;both&lt;/b&gt; PSUs" in preview  # the note is text, never markup
    signature = re.search(r'name="previewed_remarks" value="([0-9a-f]{16})"', preview).group(1)

    response = builder(
        client, acx_request, {**words, "action": "issue", "previewed": "", "previewed_remarks": signature}
    )
    assert response.status_code == 302
    quote = Quote.objects.get()
    assert (quote.reference, quote.note, str(quote.total)) == ("NR-2026-0042", NOTE, "3437.00")


def test_builder_shows_a_changed_note_before_issuing_it(client, partner, acx_request):
    client.force_login(partner)
    preview = text(
        builder(client, acx_request, {"note": "First words.", "action": "preview", "previewed": ""})
    )
    signature = re.search(r'name="previewed_remarks" value="([0-9a-f]{16})"', preview).group(1)
    data = {"note": "Second words.", "action": "issue", "previewed": "", "previewed_remarks": signature}
    page = text(builder(client, acx_request, data))
    assert "The reference or note changed since the last preview." in page
    assert "Second words." in plain(page.split('id="preview-title"')[1])
    assert not Quote.objects.exists()


def test_builder_refuses_a_reference_too_long_on_the_field(client, partner, acx_request):
    client.force_login(partner)
    data = {"reference": "R" * 65, "action": "issue", "previewed": "", "previewed_remarks": ""}
    page = text(builder(client, acx_request, data))
    assert "A reference is at most 64 characters; this one has 65." in page
    assert "Correct the reference or note above, then preview again." in page
    assert not Quote.objects.exists()


def test_quote_page_names_the_issuing_firm_its_address_and_the_note(
    client, customer, partner, netreseller_on_record, acx_request
):
    quote = quote_issue(request=acx_request, user=partner, reference="NR-2026-0042", note=NOTE)
    client.force_login(customer)
    html = client.get(f"/quotes/{quote.pk}/").content.decode()
    page = plain(html)
    assert "From your partner " + NETRESELLER_ON_PAGE in page
    assert 'href="mailto:quotes@netreseller.example"' in html and 'href="tel:+441614960123"' in html
    assert "For Acme Networks Acme HQ 1 Network Way Leeds LS1 1AA United Kingdom" in page
    assert "Issued 20 Nov 2026 by Priya Natarajan, NetReseller Reference NR-2026-0042" in page
    assert "Note from NetReseller Inspection fits the Leeds visit on 7 Dec. Bring <b>both</b> PSUs" in page
    assert "Bring &lt;b&gt;both&lt;/b&gt; PSUs &amp; the console cable." in html  # escaped, not bold
    assert 'name="reference"' not in html and 'name="note"' not in html  # nothing for the customer to set


def test_pdf_names_the_issuing_firm_with_the_countries_by_name(
    customer, partner, netreseller_on_record, acx_request
):
    quote = selectors.quote_get(
        user=customer,
        pk=quote_issue(request=acx_request, user=partner, reference="NR-2026-0042", note=NOTE).pk,
    )
    html = quote_pdf_html(quote)
    printed = plain(html)
    assert (
        f"Quote {quote.number} Revision 1 · issued 20 Nov 2026 · valid until 20 Dec 2026 {NETRESELLER_BLOCK}"
        in printed
    )
    assert "For Acme Networks Acme HQ 1 Network Way Leeds LS1 1AA United Kingdom Programme" in printed
    assert "Issued by Priya Natarajan, NetReseller Reference: NR-2026-0042" in printed
    assert "Note from NetReseller Inspection fits the Leeds visit on 7 Dec. Bring <b>both</b> PSUs" in printed
    assert "Bring &lt;b&gt;both&lt;/b&gt; PSUs &amp; the console cable." in html
    assert "<br>GB" not in html.replace("\n", "")  # the country by name, never the bare code
    assert quote_pdf(quote).startswith(b"%PDF")


def test_a_quote_staff_issue_is_from_the_programme_operator(client, customer, staff, operator, acx_request):
    operator.address, operator.country = "Vendor Park 1\nReading RG1 1AA", "GB"
    operator.email, operator.phone = "programme@relicensing.example", "+44 118 496 0999"
    operator.save()
    quote = quote_issue(request=acx_request, user=staff)
    client.force_login(customer)
    page = plain(client.get(f"/quotes/{quote.pk}/").content.decode())
    assert (
        "From the programme operator Programme Operations Vendor Park 1 Reading RG1 1AA United Kingdom "
        "Email programme@relicensing.example Phone +44 118 496 0999"
    ) in page
    printed = plain(quote_pdf_html(selectors.quote_get(user=customer, pk=quote.pk)))
    assert (
        "Programme Operations Vendor Park 1 Reading RG1 1AA United Kingdom programme@relicensing.example "
        "+44 118 496 0999"
    ) in printed


def test_a_customer_cannot_set_a_reference_or_note_through_the_builder(client, customer, acx_request):
    client.force_login(customer)
    data = {"reference": "ACME-1", "note": "Free of charge.", "action": "issue", "previewed": ""}
    assert builder(client, acx_request, data).status_code == 403
    assert not Quote.objects.exists()


def test_a_quote_keeps_the_issuers_details_as_they_were_when_issued(client, partner, customer, acx_request):
    """A quote is a document: the partner moving office later does not rewrite quotes already sent."""
    from contracts.services.quotes import quote_issue

    netreseller = partner.organization
    netreseller.address, netreseller.country = "12 Channel Street\nManchester M1 2AB", "GB"
    netreseller.save()
    quote = quote_issue(request=acx_request, user=partner)
    netreseller.address = "1 New Road\nBristol BS1 1AA"
    netreseller.save()
    client.force_login(customer)
    page = text(client.get(f"/quotes/{quote.pk}/"))
    assert "12 Channel Street" in page and "New Road" not in page
