"""Quote PDFs: the quote's HTML template drawn by WeasyPrint."""

from django.conf import settings
from django.core.files.base import ContentFile
from django.template.loader import render_to_string

from contracts.models import Contract, Quote, quote_pdf_path
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


def quote_pdf_stored(quote: Quote) -> bytes:
    """The quote's PDF, drawn once per revision (each revision is its own quote) and kept: a
    download reads the stored file instead of drawing it again. Only the status line can change
    on a quote, so it is drawn again when the status has moved on since (at most three times).
    Two first downloads at once may both draw it; the first to record its file wins and the
    other's copy is removed."""
    if quote.pdf and quote.pdf_status == quote.status:
        with quote.pdf.open("rb") as stored:
            return stored.read()
    content = quote_pdf(quote)
    storage, previous = quote.pdf.storage, quote.pdf.name
    name = storage.save(quote_pdf_path(quote, f"{quote.number}.pdf"), ContentFile(content))
    recorded = Quote.objects.filter(pk=quote.pk, pdf=previous or "").update(pdf=name, pdf_status=quote.status)
    stale = previous if recorded else name
    if stale:
        storage.delete(stale)
    quote.refresh_from_db(fields=["pdf", "pdf_status"])
    return content


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
