"""Quote PDFs: the quote's HTML template drawn by WeasyPrint."""

from django.conf import settings
from django.template.loader import render_to_string

from contracts.models import Quote


def quote_pdf(quote: Quote) -> bytes:
    from weasyprint import HTML  # imported late: it loads Pango, which only PDF views need

    request = quote.request
    html = render_to_string(
        "contracts/quote_pdf.html",
        {
            "quote": quote,
            "request": request,
            "customer": request.customer,
            "vendor": request.vendor,
            "lines": quote.lines.all(),
        },
    )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
