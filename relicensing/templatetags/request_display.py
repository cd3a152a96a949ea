"""Template filters for the request pages: a status's badge colour, a country's name."""

from django import template
from django_countries import countries

from relicensing.choices import RequestStatus

register = template.Library()

_S = RequestStatus
# Waiting on the customer or partner stands out; closed statuses say how they ended.
_BADGES = {
    _S.SUBMITTED: "badge-info",
    _S.QUOTED: "badge-warn",
    _S.QUOTE_ACCEPTED: "badge-info",
    _S.INSPECTION_SCHEDULED: "badge-info",
    _S.INSPECTED: "badge-info",
    _S.PO_RECEIVED: "badge-info",
    _S.APPROVED: "badge-ok",
    _S.REINSTATED: "badge-ok",
    _S.FAILED_INSPECTION: "badge-danger",
    _S.REJECTED: "badge-danger",
    _S.CANCELLED: "",
}


@register.filter
def status_badge(status: str) -> str:
    return _BADGES.get(status, "")  # type: ignore[call-overload]


@register.filter
def status_label(status: str) -> str:
    return RequestStatus(status).label if status in RequestStatus.values else status


@register.filter
def country_name(code: str) -> str:
    """ "United Kingdom (GB)" for "GB"; an unknown code is shown as it is."""
    return f"{countries.name(code)} ({code})" if code in countries else code
