"""A bulk registration upload, processed by a worker with progress the page can poll."""

from django.conf import settings
from django.db import models

from accounts.visibility import Scope, VisibleQuerySet
from common.workflow import WorkflowModel, WorkflowQuerySet
from relicensing.choices import IMPORT_WORKFLOW, ImportStatus


class ImportJobQuerySet(WorkflowQuerySet, VisibleQuerySet):  # type: ignore[override]  # django-stubs: as_manager of two bases
    scope = Scope(organization="organization")


class ImportJob(WorkflowModel):
    workflow = IMPORT_WORKFLOW

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    status = models.CharField(
        max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED, editable=False
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    already_registered_count = models.PositiveIntegerField(default=0)
    rejected = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True, help_text="Why the whole file failed, when it did.")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    runs = models.PositiveSmallIntegerField(
        default=0, help_text="How many times a worker has claimed it; a run that is not the latest stops."
    )
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life from the worker running it."
    )

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        base_manager_name = "objects"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.original_name})"

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0
