"""Quote PDFs: the quote's HTML template drawn by WeasyPrint."""

from django.conf import settings
from django.template.loader import render_to_string

from contracts.models import Quote
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
