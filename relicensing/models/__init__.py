"""Relicensing models, split by noun: the catalog, the installed base, bulk imports, requests."""

from relicensing.models.catalog import Product, Vendor
from relicensing.models.equipment import (
    ComplianceHold,
    Equipment,
    EquipmentEvent,
    Registration,
    SoftwareLicence,
)
from relicensing.models.imports import ImportJob
from relicensing.models.requests import IdempotentCall, Request, RequestDocument, RequestItem, Transition

__all__ = [
    "ComplianceHold",
    "Equipment",
    "EquipmentEvent",
    "IdempotentCall",
    "ImportJob",
    "Product",
    "Registration",
    "Request",
    "RequestDocument",
    "RequestItem",
    "SoftwareLicence",
    "Transition",
    "Vendor",
]
