"""Export of service contracts: one row per contract line (a serial on the inventory) with the
contract's owner, coverage and sales order, through the installed base's CSV and XLSX writers."""

import datetime as dt
from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone

from accounts.models import User
from contracts.models import Contract, ContractLine
from contracts.views import contracts_matching
from relicensing.exports import CHUNK_SIZE, ExportSource, Row

CONTRACTS_HEADER = (
    "Contract",
    "Owner",
    "Site",
    "Starts on",
    "Ends on",
    "Status",
    "Sales order",
    "Serial",
    "Vendor",
    "Product",
)

# As the contract's badge reads on its page.
STATUS_WORDS = {"active": "Active", "future": "Starts later", "expired": "Expired"}

_LINE_FIELDS = (
    "number",
    "owner__name",
    "site_name",
    "starts_on",
    "ends_on",
    "sales_order",
    "lines__equipment__serial_number",
    "lines__equipment__vendor__name",
    "lines__equipment__product__model",
    "lines__equipment__reported_model",
)


def contract_rows(contracts: QuerySet[Contract], *, today: dt.date) -> Iterator[Row]:
    """One row per line, contracts in the list page's order and each one's serials in order; a
    contract with no serial left still has its row, with the serial empty. The lines are covered
    for the contract's period, so each carries the contract's dates and its status on `today`."""
    values = contracts.order_by("-starts_on", "number", "lines__equipment__serial_number").values_list(
        *_LINE_FIELDS
    )
    for (
        number,
        owner,
        site,
        starts_on,
        ends_on,
        sales_order,
        serial,
        vendor,
        model,
        reported_model,
    ) in values.iterator(chunk_size=CHUNK_SIZE):
        status = Contract(starts_on=starts_on, ends_on=ends_on).status_on(today)
        yield (
            number,
            owner,
            site,
            starts_on,
            ends_on,
            STATUS_WORDS[status],
            sales_order,
            serial,
            vendor,
            model or reported_model,
        )


def contract_export_source(*, user: User, params: QueryDict) -> ExportSource:
    """The contracts the person may see; with `q`, those the list page's search finds. Counted
    by their lines, one row each."""
    query = " ".join(params.get("q", "").split())[:64]  # as the list page reads it
    contracts: QuerySet[Contract] = Contract.objects.visible_to(user)
    if query:
        contracts = contracts_matching(contracts, query)
    return ExportSource(
        CONTRACTS_HEADER,
        contract_rows(contracts, today=timezone.localdate()),
        ContractLine.objects.filter(contract__in=contracts),
        "Contracts",
        "contracts",
    )
