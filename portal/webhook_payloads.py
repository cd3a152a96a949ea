"""What a webhook's `data` holds for each kind of object: the object as the API returns it, through
the API's own serializers (registered with webhooks.payloads at start-up: webhooks sits below the
areas whose serializers these are)."""

from typing import Any

from contracts.api import QuoteOutputSerializer
from contracts.models import Contract, Quote
from contracts.orders_api import ContractOutputSerializer
from inspections.api import InspectionOutputSerializer
from inspections.models import Inspection
from portal.api.requests import RequestOutputSerializer
from portal.selectors import requests_answered
from relicensing.models import Request
from webhooks.payloads import payload_builder_register


def _request(request: Request) -> dict[str, Any]:
    # Read again with what the serializer expects on it (as the API's list reads it), inside the
    # caller's transaction: the status the event reports.
    answered = requests_answered(Request.objects.filter(pk=request.pk)).get()
    return dict(RequestOutputSerializer(answered).data)


def _quote(quote: Quote) -> dict[str, Any]:
    return dict(QuoteOutputSerializer(quote).data)


def _inspection(inspection: Inspection) -> dict[str, Any]:
    return dict(InspectionOutputSerializer(inspection).data)


def _contract(contract: Contract) -> dict[str, Any]:
    return dict(ContractOutputSerializer(contract).data)


def payload_builders_register() -> None:
    payload_builder_register(Request, _request)
    payload_builder_register(Quote, _quote)
    payload_builder_register(Inspection, _inspection)
    payload_builder_register(Contract, _contract)
