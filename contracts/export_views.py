"""Downloads of the contracts list as CSV or XLSX, one row per serial, found as on the page."""

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponseBase
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from contracts.exports import CONTRACTS_HEADER, contract_rows
from contracts.models import Contract, ContractLine
from contracts.views import contracts_matching
from relicensing.exports import csv_response, export_filename, xlsx_response, xlsx_too_long
from relicensing.views.access import installed_base_page


@installed_base_page  # type: ignore[arg-type]  # a download is a streamed or file response
def contract_export(request: HttpRequest, extension: str) -> HttpResponseBase:
    """The contracts the person may see; with `q`, those the page's search finds."""
    query = " ".join(request.GET.get("q", "").split())[:64]  # as the list page reads it
    user: User = request.user  # type: ignore[assignment]
    contracts: QuerySet[Contract] = Contract.objects.visible_to(user)
    if query:
        contracts = contracts_matching(contracts, query)
    rows = contract_rows(contracts, today=timezone.localdate())
    filename = export_filename("contracts", extension)
    if extension == "csv":
        return csv_response(CONTRACTS_HEADER, rows, filename=filename)
    if extension == "xlsx":
        lines = ContractLine.objects.filter(contract__in=contracts)
        too_long = xlsx_too_long(request, lines, list_url=reverse("contract-list"))
        return too_long or xlsx_response(CONTRACTS_HEADER, rows, title="Contracts", filename=filename)
    raise Http404
