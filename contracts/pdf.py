"""Quote PDFs: the quote's HTML template drawn by WeasyPrint."""

from django.conf import settings
from django.template.loader import render_to_string

from contracts.models import Contract, Quote
from contracts.selectors import country_name, issuer_of


def quote_pdf_html(quote: Quote) -> str:
    """The HTML the PDF is drawn from: the issuing firm, the customer and site, the lines."""
    request = quote.request
    return render_to_string(
        "contracts/quote_pdf.html",
        {
            "quote": quote,
            "request": request,
            "customer": request.customer,
            "vendor": request.vendor,
            "issuer": issuer_of(quote),
            "site_country": country_name(request.site_country),
            "lines": quote.lines.all(),
        },
    )


def quote_pdf(quote: Quote) -> bytes:
    from weasyprint import HTML  # imported late: it loads Pango, which only PDF views need

    return HTML(string=quote_pdf_html(quote), base_url=str(settings.BASE_DIR)).write_pdf()


def welcome_kit_pdf(contract: Contract) -> bytes:
    """The welcome kit sent with the welcome notice: contract number, site, serials, coverage and
    how to get support."""
    from weasyprint import HTML

    html = render_to_string(
        "contracts/welcome_kit_pdf.html",
        {
            "contract": contract,
            "vendor": contract.request.vendor if contract.request else None,
            "site_country": country_name(contract.site_country),
            "lines": contract.lines.select_related("equipment__product").order_by("equipment__serial_number"),
        },
    )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
