"""Helpers for the request page tests: the frozen dates (see the `frozen_friday` fixture), a site,
proofs made in memory, and requests opened through the service."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from relicensing.services.requests import request_create

# With time frozen on Friday 20 November 2026 (`frozen_friday`), ten business days on is Friday 4 December.
EARLIEST = dt.date(2026, 12, 4)
PREFERRED = dt.date(2026, 12, 7)

SITE = {
    "name": "Acme HQ",
    "address": "1 Network Way\nLeeds LS1 1AA",
    "country": "GB",
    "contact_name": "Casey Morgan",
    "contact_email": "casey@acme.example",
    "contact_phone": "+44 113 496 0000",
}

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def pdf(name="invoice.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def renamed_exe(name="invoice.pdf"):
    return SimpleUploadedFile(name, EXE, content_type="application/pdf")


def open_request(user, *registrations, customer=None, date=PREFERRED, site=None):
    """A request opened through the service, as the wizard's submit does."""
    return request_create(
        customer=customer or registrations[0].organization,
        user=user,
        site=site or SITE,
        equipment=[r.pk for r in registrations],
        preferred_inspection_date=date,
    )
