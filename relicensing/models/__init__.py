"""Relicensing models, split by noun: the catalog, the installed base, bulk imports, exports, requests."""

from relicensing.models.catalog import Product, Vendor
from relicensing.models.equipment import (
    ComplianceHold,
    Equipment,
    EquipmentEvent,
    Registration,
    RegistrationTally,
    SoftwareLicence,
)
from relicensing.models.exports import ExportJob
from relicensing.models.imports import ImportJob
from relicensing.models.messages import RequestMessage
from relicensing.models.requests import Request, RequestDocument, RequestDraft, RequestItem

__all__ = [
    "ComplianceHold",
    "Equipment",
    "EquipmentEvent",
    "ExportJob",
    "ImportJob",
    "Product",
    "Registration",
    "RegistrationTally",
    "Request",
    "RequestDocument",
    "RequestDraft",
    "RequestItem",
    "RequestMessage",
    "SoftwareLicence",
    "Vendor",
]
