"""One row per status change of any record (the audit trail and each record's timeline), and
the first answers of API calls made with an Idempotency-Key."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


class Transition(models.Model):
    """A record moved from one status to another: who, when, why. Written by
    `common.workflow.transition()` only; `from_status` is empty for the record's creation."""

    # Not indexed alone: `transition_by_target` leads with it (a content type's deletion reads it
    # there), and a second index cost every sweep one more entry per timeline row.
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+", db_index=False)
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    from_status = models.CharField(max_length=32, blank=True)
    to_status = models.CharField(max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the system moved it (a worker or a sweep).",
    )
    reason = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["target_type", "target_id", "at"], name="transition_by_target")]

    def __str__(self) -> str:
        return f"{self.target_type_id}:{self.target_id} {self.from_status or '∅'} → {self.to_status}"

    @property
    def from_label(self) -> str:
        return self._label(self.from_status)

    @property
    def to_label(self) -> str:
        return self._label(self.to_status)

    def _label(self, status: str) -> str:
        """The status's name as its record's workflow spells it ("Quote accepted")."""
        model = ContentType.objects.get_for_id(self.target_type_id).model_class()
        workflow = getattr(model, "workflow", None)
        return workflow.label(status) if workflow and status in workflow.statuses.values else status


class IdempotencyKey(models.Model):
    """A caller's Idempotency-Key: the call it was first used for (path and body hash) and the
    answer it got, replayed for a retry. Forgotten after a day (`common.idempotency.TTL`)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    body_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.TextField(
        help_text="The answer's JSON as first sent (text, so a replay keeps its key order)."
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")
        ]

    def __str__(self) -> str:
        return self.key


class PeriodicJobState(models.Model):
    """The last run of one periodic job (`common.schedule.PERIODIC_JOBS`), for the guard and the
    operator's page. Written only by `common.periodic.periodic_run`."""

    class Outcome(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    job = models.CharField(max_length=64, primary_key=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    last_succeeded_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last successful run finished (kept while a run goes)."
    )
    result = models.BigIntegerField(null=True, blank=True, help_text="What the run counted (rows, notices).")
    error = models.TextField(blank=True)
    runs = models.PositiveIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(
        default=0, help_text="Runs not started because another was running or had just run."
    )
    last_skipped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job"]

    def __str__(self) -> str:
        return f"{self.job}: {self.outcome}"
