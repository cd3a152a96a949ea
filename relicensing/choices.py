"""Choices for the catalog, the installed base and eligibility, with the codes API.md fixes."""

from django.db import models


class ProductCategory(models.TextChoices):
    ROUTER = "router", "Router"
    SWITCH = "switch", "Switch"
    SECURITY = "security", "Security"
    OTHER = "other", "Other"


class AcquisitionChannel(models.TextChoices):
    AUTHORIZED = "authorized", "Bought new through the authorised channel"
    SECONDARY_MARKET = "secondary_market", "Secondary market (broker, auction, gray market)"
    CERTIFIED_REFURBISHED = "certified_refurbished", "Vendor's certified refurbished"
    DONATED = "donated", "Donation programme"


class Condition(models.TextChoices):
    WORKING = "working", "Working"
    DAMAGED = "damaged", "Damaged or not working"
    ENVIRONMENTAL_DAMAGE = "environmental_damage", "Damaged by fire, flood, storm or similar"


class Flag(models.TextChoices):
    """What staff can mark on a unit; `permanently_damaged` is final."""

    LOST_OR_STOLEN = "lost_or_stolen", "Reported lost or stolen"
    COUNTERFEIT = "counterfeit", "Counterfeit"
    PERMANENTLY_DAMAGED = "permanently_damaged", "Permanently damaged (final)"
    DAMAGED = "damaged", "Damaged or not working"


class Reason(models.TextChoices):
    """Why a chassis cannot enter the programme. The values are a public API."""

    UNKNOWN_PRODUCT = "unknown_product", "Unknown product"
    END_OF_SUPPORT = "end_of_support", "Past end of support"
    PERMANENTLY_DAMAGED = "permanently_damaged", "Permanently damaged"
    DAMAGED = "damaged", "Damaged or not working"
    ENVIRONMENTAL_DAMAGE = "environmental_damage", "Environmental damage"
    REPORTED_LOST_OR_STOLEN = "reported_lost_or_stolen", "Reported lost or stolen"
    COUNTERFEIT = "counterfeit", "Counterfeit"
    COMPLIANCE_HOLD = "compliance_hold", "Under a compliance hold"
    DONATED_EQUIPMENT = "donated_equipment", "Donated equipment"
    OWNERSHIP_DISPUTE = "ownership_dispute", "Ownership in dispute"


class Path(models.TextChoices):
    INSPECTION = "inspection", "Inspection and relicensing"
    NO_RELICENSING_NEEDED = "no_relicensing_needed", "No relicensing needed"
    NO_INSPECTION_NEEDED = "no_inspection_needed", "No inspection needed"
    COMPROMISED_REVIEW = "compromised_review", "Compromised-equipment review"
    NONE = "none", "Cannot enter the programme"


class RegistrationStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    SETTLED_ELSEWHERE = "settled_elsewhere", "Ownership settled for another organisation"


class EventKind(models.TextChoices):
    REGISTERED = "registered", "Registered"
    OWNER_CHANGED = "owner_changed", "Owner changed"
    DISPUTE_OPENED = "dispute_opened", "Ownership dispute opened"
    DISPUTE_SETTLED = "dispute_settled", "Ownership dispute settled"
    FLAGGED = "flagged", "Flag set"
    FLAG_CLEARED = "flag_cleared", "Flag cleared"
    HOLD_PLACED = "hold_placed", "Compliance hold placed"
    HOLD_RELEASED = "hold_released", "Compliance hold released"


class LicenceKind(models.TextChoices):
    EMBEDDED = "embedded", "Embedded operating-system licence"
    ADDON = "addon", "Add-on licence"
    SUBSCRIPTION = "subscription", "Subscription"


class LicenceStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    TERMINATED = "terminated", "Terminated"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
