"""Helpers for the page tests: register serials through the service, read pages as text."""

import html

from relicensing.models import Registration, Vendor
from relicensing.services import equipment as services


def register(user, serial="AB12CD34EF56", *, vendor="juniper", product="ACX2200", **extra) -> Registration:
    """Register as `user` for its own organisation (or `organization=` for a partner)."""
    fields = {"acquisition_channel": "secondary_market", "acquired_from": "Broker Ltd", **extra}
    organization = fields.pop("organization", user.organization)
    return services.registration_create(
        organization=organization,
        user=user,
        vendor=Vendor.objects.get(slug=vendor),
        serial_number=serial,
        product=product,
        **fields,
    )


def text(response) -> str:
    """The page as a person reads it: HTML entities decoded."""
    return html.unescape(response.content.decode())
