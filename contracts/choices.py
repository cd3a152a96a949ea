"""Choices for the price book and quotes, with the quote's workflow."""

from django.db import models

from common.workflow import Workflow
from relicensing.choices import RequestStatus


class SkuKind(models.TextChoices):
    INSPECTION = "inspection", "Inspection"
    SUPPORT_YEAR = "support_year", "One year of support"
    OS_LICENSE = "os_license", "Operating-system licence re-registration"
    ADDON_LICENSE = "addon_license", "Add-on licence (bought new)"
    SUBSCRIPTION = "subscription", "Subscription (bought new)"


# Every chassis product has exactly one SKU of each of these kinds; a quote is built from them.
PER_CHASSIS_KINDS = (SkuKind.INSPECTION, SkuKind.SUPPORT_YEAR, SkuKind.OS_LICENSE)


class QuoteStatus(models.TextChoices):
    ISSUED = "issued", "Issued"
    ACCEPTED = "accepted", "Accepted"
    SUPERSEDED = "superseded", "Superseded by a newer quote"
    EXPIRED = "expired", "Expired"
    WITHDRAWN = "withdrawn", "Withdrawn with its request"


# The quote a request stands on: issued (awaiting the customer) or accepted.
CURRENT_QUOTE_STATUSES = frozenset({QuoteStatus.ISSUED, QuoteStatus.ACCEPTED})


# An issued quote is accepted, superseded by the next revision, expires, or is withdrawn when its
# request is cancelled or rejected. An accepted quote stays accepted (it records what was agreed)
# until inspection results finalise it: the final quote, a new revision, supersedes it.
# The request's people hear of each through the request's own notices (quote issued, accepted,
# expired, request cancelled or rejected), so the quote's moves send none of their own.
_Q = QuoteStatus
QUOTE_WORKFLOW = Workflow(
    statuses=QuoteStatus,
    initial=QuoteStatus.ISSUED,
    moves={
        _Q.ISSUED: frozenset({_Q.ACCEPTED, _Q.SUPERSEDED, _Q.EXPIRED, _Q.WITHDRAWN}),
        _Q.ACCEPTED: frozenset({_Q.SUPERSEDED}),
        _Q.SUPERSEDED: frozenset(),
        _Q.EXPIRED: frozenset(),
        _Q.WITHDRAWN: frozenset(),
    },
    parent="request",
    follows_parent={RequestStatus.CANCELLED: _Q.WITHDRAWN, RequestStatus.REJECTED: _Q.WITHDRAWN},
)


class PurchaseOrderStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    APPROVED = "approved", "Approved"
    WITHDRAWN = "withdrawn", "Withdrawn with its request"


# An order is received for the final total, approved with its request, or withdrawn when its
# request is rejected (the request's own notices tell its people).
_P = PurchaseOrderStatus
PURCHASE_ORDER_WORKFLOW = Workflow(
    statuses=PurchaseOrderStatus,
    initial=PurchaseOrderStatus.RECEIVED,
    moves={
        _P.RECEIVED: frozenset({_P.APPROVED, _P.WITHDRAWN}),
        _P.APPROVED: frozenset(),
        _P.WITHDRAWN: frozenset(),
    },
    parent="request",
    follows_parent={RequestStatus.APPROVED: _P.APPROVED, RequestStatus.REJECTED: _P.WITHDRAWN},
)


class ApprovalStatus(models.TextChoices):
    GIVEN = "given", "Given"
    VOID = "void", "Void: the request was rejected"


# A staff approval stands until the request is rejected, which voids it.
APPROVAL_WORKFLOW = Workflow(
    statuses=ApprovalStatus,
    initial=ApprovalStatus.GIVEN,
    moves={ApprovalStatus.GIVEN: frozenset({ApprovalStatus.VOID}), ApprovalStatus.VOID: frozenset()},
    parent="request",
    follows_parent={RequestStatus.REJECTED: ApprovalStatus.VOID},
)


class ContractEventKind(models.TextChoices):
    ISSUED = "issued", "Issued"
    SITE_CORRECTED = "site_corrected", "Install site corrected"
    RMA_SWAP = "rma_swap", "RMA: a serial swapped for its replacement"
    RENEWED = "renewed", "Renewed"
    EXPIRED = "expired", "Expired"
    TAKEN_BACK = "taken_back", "A donated unit returned for take-back"


# Add-ons and subscriptions are bought new at list price, on top of the per-chassis fees.
ADDON_KINDS = (SkuKind.ADDON_LICENSE, SkuKind.SUBSCRIPTION)


class RenewalQuoteStatus(models.TextChoices):
    ISSUED = "issued", "Issued"
    ORDERED = "ordered", "Ordered"
    APPROVED = "approved", "Approved: coverage extended"
    EXPIRED = "expired", "Expired"
    SUPERSEDED = "superseded", "Superseded by a newer renewal quote"


# A renewal quote is ordered by the owner or its partner, then approved by staff (the contract's
# coverage extends); an issued one expires after its validity or is superseded by a newer one. An
# ordered quote stands until staff approve it: the customer has committed to its price. It belongs
# to its contract (locked first, common.workflow's lock order); the contract has no status of its
# own, so nothing follows it.
_R = RenewalQuoteStatus
RENEWAL_QUOTE_WORKFLOW = Workflow(
    statuses=RenewalQuoteStatus,
    initial=RenewalQuoteStatus.ISSUED,
    moves={
        _R.ISSUED: frozenset({_R.ORDERED, _R.EXPIRED, _R.SUPERSEDED}),
        _R.ORDERED: frozenset({_R.APPROVED}),
        _R.APPROVED: frozenset(),
        _R.EXPIRED: frozenset(),
        _R.SUPERSEDED: frozenset(),
    },
    parent="contract",
)


class RenewalLineKind(models.TextChoices):
    SUPPORT_YEAR = "support_year", "One more year of support"
    BACK_SUPPORT = "back_support", "Back-support for the lapsed days"
