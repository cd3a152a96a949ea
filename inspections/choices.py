"""Choices for inspections, with the inspection's workflow."""

from django.db import models

from common.workflow import Workflow
from relicensing.choices import RequestStatus


class InspectionStatus(models.TextChoices):
    UNSCHEDULED = "unscheduled", "Unscheduled"
    SCHEDULED = "scheduled", "Scheduled"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


# A visit is opened when its request's quote is accepted, booked by staff, moved (scheduled ->
# scheduled: a reschedule, which names the old and new date on the timeline), completed when its
# results are recorded, and cancelled with its request.
_I = InspectionStatus
INSPECTION_WORKFLOW = Workflow(
    statuses=InspectionStatus,
    initial=InspectionStatus.UNSCHEDULED,
    moves={
        _I.UNSCHEDULED: frozenset({_I.SCHEDULED, _I.CANCELLED}),
        _I.SCHEDULED: frozenset({_I.SCHEDULED, _I.COMPLETED, _I.CANCELLED}),
        _I.COMPLETED: frozenset(),
        _I.CANCELLED: frozenset(),
    },
    notices={
        (_I.UNSCHEDULED, _I.SCHEDULED): "inspection_scheduled",
        (_I.SCHEDULED, _I.SCHEDULED): "inspection_rescheduled",
        (_I.SCHEDULED, _I.COMPLETED): "inspection_results_recorded",
        (_I.SCHEDULED, _I.CANCELLED): "inspection_cancelled",
    },
    notify="inspections.services.notices.inspection_notify",
    parent="request",
    opened_by=RequestStatus.QUOTE_ACCEPTED,
    opener="inspections.services.visits.inspection_open",
    follows_parent={RequestStatus.CANCELLED: _I.CANCELLED, RequestStatus.REJECTED: _I.CANCELLED},
)
