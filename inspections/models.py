"""Inspections: the inspectors and where they work, the vendors' versioned checklists, and the
visit per request with one line per chassis, its results (never edited: a correction is a new
result that names the one it replaces) and photos."""

import secrets
import uuid
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django_countries.fields import CountryField

from accounts.choices import Role
from accounts.visibility import Scope, VisibleQuerySet
from common.workflow import WorkflowModel, WorkflowQuerySet
from inspections.choices import INSPECTION_WORKFLOW, InspectionStatus
from relicensing.choices import ItemOutcome


def feed_token() -> str:
    return secrets.token_urlsafe(32)


class Inspector(models.Model):
    """An inspector's coverage: the countries they work in and their days away (staff keep both),
    and the secret that opens their private calendar feed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="inspector",
        limit_choices_to={"role": Role.INSPECTOR},
    )
    countries = CountryField(multiple=True, blank=True, help_text="Where this inspector visits sites.")
    feed_token = models.CharField(max_length=64, unique=True, default=feed_token, editable=False)

    class Meta:
        ordering = ["user__username"]

    def __str__(self) -> str:
        return self.user.display_name

    def covers(self, country: str) -> bool:
        return country.upper() in {str(c) for c in self.countries}


class Absence(models.Model):
    """Days an inspector is away (both ends included)."""

    inspector = models.ForeignKey(Inspector, on_delete=models.CASCADE, related_name="absences")
    starts_on = models.DateField()
    ends_on = models.DateField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="absence_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.inspector} away {self.starts_on} to {self.ends_on}"


class ChecklistVersion(models.Model):
    """One published version of a vendor's checklist. Never edited: a change publishes the next
    version, and each inspection keeps the version it was opened with.

    `items`: [{"key": "powers_on", "text": "Powers on", "required": true}, ...] in order."""

    vendor = models.ForeignKey("relicensing.Vendor", on_delete=models.PROTECT, related_name="checklists")
    version = models.PositiveSmallIntegerField()
    items = models.JSONField()
    note = models.CharField(max_length=200, blank=True, help_text="What changed.")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["vendor", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "version"], name="checklist_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.vendor.name} checklist v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("A published checklist is never edited; publish a new version.")
        super().save(*args, **kwargs)


class InspectionQuerySet(WorkflowQuerySet, VisibleQuerySet):  # type: ignore[override]  # django-stubs: as_manager of two bases
    scope = Scope(organization="request__customer", inspector="inspector")


class Inspection(WorkflowModel):
    """The visit for one request, at its site, opened when its quote is accepted."""

    workflow = INSPECTION_WORKFLOW

    request = models.OneToOneField("relicensing.Request", on_delete=models.CASCADE, related_name="inspection")
    status = models.CharField(
        max_length=16, choices=InspectionStatus.choices, default=InspectionStatus.UNSCHEDULED, editable=False
    )
    date = models.DateField(null=True, blank=True)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="inspections"
    )
    reschedules = models.PositiveSmallIntegerField(
        default=0, help_text="Times the customer or its partner moved the visit (staff moves do not count)."
    )
    checklist_version = models.ForeignKey(
        ChecklistVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="inspections"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        base_manager_name = "objects"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=InspectionStatus.values), name="inspection_status_valid"
            ),
        ]
        indexes = [
            models.Index(
                fields=["inspector", "date"], condition=Q(status="scheduled"), name="inspection_booked_day"
            ),
        ]

    def __str__(self) -> str:
        return f"Inspection for {self.request.number}"


class InspectionLine(models.Model):
    """One chassis to inspect; its outcome mirrors the current result."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="lines")
    equipment = models.ForeignKey(
        "relicensing.Equipment", on_delete=models.PROTECT, related_name="inspection_lines"
    )
    serial_number = models.CharField(max_length=64)
    outcome = models.CharField(max_length=16, choices=ItemOutcome.choices, default=ItemOutcome.PENDING)

    class Meta:
        ordering = ["serial_number"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "equipment"], name="inspection_line_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.inspection} / {self.serial_number}"


class InspectionResult(models.Model):
    """What was found on one chassis. Final once written: a staff correction is a new result that
    names the one it replaces (`corrects`) and why, so the original stays on record."""

    line = models.ForeignKey(InspectionLine, on_delete=models.CASCADE, related_name="results")
    passed = models.BooleanField()
    answers = models.JSONField(default=dict, help_text="Checklist item key -> true (yes) / false (no).")
    notes = models.TextField(blank=True, max_length=4000, validators=[MaxLengthValidator(4000)])
    corrects = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="correction"
    )
    reason = models.TextField(
        blank=True,
        max_length=2000,
        validators=[MaxLengthValidator(2000)],
        help_text="Why a correction was made.",
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            # Results are recorded once per chassis; everything after is a correction.
            models.UniqueConstraint(
                fields=["line"], condition=Q(corrects__isnull=True), name="one_original_result_per_line"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line}: {'passed' if self.passed else 'failed'}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("Results are final; a correction is a new result.")
        super().save(*args, **kwargs)


def photo_path(photo: "InspectionPhoto", filename: str) -> str:
    # Generated names: nothing a user typed ends up in a path on disk.
    return f"inspections/{photo.line.inspection_id}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()[:8]}"


class InspectionPhoto(models.Model):
    line = models.ForeignKey(InspectionLine, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=photo_path, max_length=255)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name
