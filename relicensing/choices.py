"""Choices for the catalog, the installed base and eligibility, with the codes API.md fixes."""

from django.db import models

from common.workflow import ANY, Workflow


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


# A claim stays active until staff settle a dispute for another claimant (the unit's history
# records who and why, as an EquipmentEvent, beside the transition row).
REGISTRATION_WORKFLOW = Workflow(
    statuses=RegistrationStatus,
    initial=RegistrationStatus.ACTIVE,
    moves={
        RegistrationStatus.ACTIVE: frozenset({RegistrationStatus.SETTLED_ELSEWHERE}),
        RegistrationStatus.SETTLED_ELSEWHERE: frozenset(),
    },
)


class EventKind(models.TextChoices):
    REGISTERED = "registered", "Registered"
    OWNER_CHANGED = "owner_changed", "Owner changed"
    DISPUTE_OPENED = "dispute_opened", "Ownership dispute opened"
    DISPUTE_SETTLED = "dispute_settled", "Ownership dispute settled"
    FLAGGED = "flagged", "Flag set"
    FLAG_CLEARED = "flag_cleared", "Flag cleared"
    HOLD_PLACED = "hold_placed", "Compliance hold placed"
    HOLD_RELEASED = "hold_released", "Compliance hold released"
    REINSTATED = "reinstated", "Reinstated in the owner's name"
    RETURNED_RMA = "returned_rma", "Returned to the vendor (RMA)"
    RMA_REPLACEMENT = "rma_replacement", "Joined a contract as an RMA replacement"
    TAKEN_BACK = "taken_back", "Returned for take-back and recycling"


class Retirement(models.TextChoices):
    """Why a unit left service for good: it can never be registered again as working equipment."""

    RETURNED_RMA = "returned_rma", "Returned to the vendor under an RMA"
    TAKEN_BACK = "taken_back", "Donated unit returned for take-back and recycling"


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


# A worker claims a queued job; a job whose worker died goes back to the queue (the sweep).
IMPORT_WORKFLOW = Workflow(
    statuses=ImportStatus,
    initial=ImportStatus.QUEUED,
    moves={
        ImportStatus.QUEUED: frozenset({ImportStatus.RUNNING}),
        ImportStatus.RUNNING: frozenset({ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.QUEUED}),
        ImportStatus.DONE: frozenset(),
        ImportStatus.FAILED: frozenset(),
    },
)


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    QUOTED = "quoted", "Quoted"
    QUOTE_ACCEPTED = "quote_accepted", "Quote accepted"
    INSPECTION_SCHEDULED = "inspection_scheduled", "Inspection scheduled"
    INSPECTED = "inspected", "Inspected"
    FAILED_INSPECTION = "failed_inspection", "Failed inspection"
    PO_RECEIVED = "po_received", "Purchase order received"
    APPROVED = "approved", "Approved"
    REINSTATED = "reinstated", "Reinstated"
    CANCELLED = "cancelled", "Cancelled"
    REJECTED = "rejected", "Rejected"


# The lifecycle of API.md, in one table: from each status, the statuses it may move to.
# quoted -> quoted is a new quote superseding the last; quoted -> submitted is a quote expiring.
_S = RequestStatus
REQUEST_TRANSITIONS: dict[str, frozenset[str]] = {
    _S.SUBMITTED: frozenset({_S.QUOTED, _S.CANCELLED, _S.REJECTED}),
    _S.QUOTED: frozenset({_S.QUOTED, _S.QUOTE_ACCEPTED, _S.SUBMITTED, _S.CANCELLED, _S.REJECTED}),
    _S.QUOTE_ACCEPTED: frozenset({_S.INSPECTION_SCHEDULED, _S.CANCELLED, _S.REJECTED}),
    _S.INSPECTION_SCHEDULED: frozenset({_S.INSPECTED, _S.FAILED_INSPECTION, _S.CANCELLED, _S.REJECTED}),
    # inspected -> failed_inspection: a staff correction leaves no chassis passed.
    _S.INSPECTED: frozenset({_S.PO_RECEIVED, _S.FAILED_INSPECTION, _S.REJECTED}),
    # po_received -> po_received: the first of two approvals, on the timeline (contracts).
    _S.PO_RECEIVED: frozenset({_S.PO_RECEIVED, _S.APPROVED, _S.REJECTED}),
    _S.APPROVED: frozenset({_S.REINSTATED, _S.REJECTED}),
    _S.FAILED_INSPECTION: frozenset(),
    _S.REINSTATED: frozenset(),
    _S.CANCELLED: frozenset(),
    _S.REJECTED: frozenset(),
}
REQUEST_WORKFLOW = Workflow(
    statuses=RequestStatus,
    initial=RequestStatus.SUBMITTED,
    moves=REQUEST_TRANSITIONS,
    # The notice each move sends to the request's people (relicensing.services.lifecycle).
    notices={
        ("", _S.SUBMITTED): "request_submitted",
        (ANY, _S.QUOTED): "quote_issued",
        (_S.QUOTED, _S.QUOTE_ACCEPTED): "quote_accepted",
        (_S.QUOTED, _S.SUBMITTED): "quote_expired",
        (ANY, _S.CANCELLED): "request_cancelled",
        (ANY, _S.REJECTED): "request_rejected",
        (_S.INSPECTED, _S.PO_RECEIVED): "purchase_order_received",
    },
    notify="relicensing.services.lifecycle.request_notify",
    observe="relicensing.services.lifecycle.request_status_changed",
)
CLOSED_STATUSES = REQUEST_WORKFLOW.closed
OPEN_STATUSES = REQUEST_WORKFLOW.open


class ItemOutcome(models.TextChoices):
    PENDING = "pending", "Pending"
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"


class DocumentKind(models.TextChoices):
    PROOF_OF_PURCHASE = "proof_of_purchase", "Proof of purchase"
    PROOF_OF_LICENSE = "proof_of_license", "Proof of licence"
