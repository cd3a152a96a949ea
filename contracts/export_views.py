"""Downloads of the contracts list as CSV or XLSX, one row per serial, found as on the page."""

from django.http import Http404, HttpRequest, HttpResponseBase
from django.urls import reverse

from accounts.models import User
from contracts.exports import contract_export_source
from relicensing.exports import csv_response, export_filename, xlsx_offer_background, xlsx_response
from relicensing.models.exports import ExportKind
from relicensing.views.access import installed_base_page


@installed_base_page  # type: ignore[arg-type]  # a download is a streamed or file response
def contract_export(request: HttpRequest, extension: str) -> HttpResponseBase:
    user: User = request.user  # type: ignore[assignment]
    source = contract_export_source(user=user, params=request.GET)
    filename = export_filename(source.stem, extension)
    if extension == "csv":
        return csv_response(source.header, source.rows, filename=filename)
    if extension == "xlsx":
        too_long = xlsx_offer_background(
            request, source, kind=ExportKind.CONTRACTS, list_url=reverse("contract-list")
        )
        return too_long or xlsx_response(source.header, source.rows, title=source.title, filename=filename)
    raise Http404
