"""Relicensing models, split by noun: the catalog, the installed base, bulk imports."""

from relicensing.models.catalog import Product, Vendor
from relicensing.models.equipment import (
    ComplianceHold,
    Equipment,
    EquipmentEvent,
    Registration,
    SoftwareLicence,
)
from relicensing.models.imports import ImportJob

__all__ = [
    "ComplianceHold",
    "Equipment",
    "EquipmentEvent",
    "ImportJob",
    "Product",
    "Registration",
    "SoftwareLicence",
    "Vendor",
]
