"""Relicensing requests: the chassis in them and their documents. A request's timeline is its
`transitions` (common.Transition), written by the workflow engine."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q

from accounts.visibility import Scope, VisibleQuerySet
from common.workflow import WorkflowModel, WorkflowQuerySet
from relicensing.choices import OPEN_STATUSES, REQUEST_WORKFLOW, DocumentKind, ItemOutcome, RequestStatus


class RequestQuerySet(WorkflowQuerySet, VisibleQuerySet):  # type: ignore[override]  # django-stubs: as_manager of two bases
    scope = Scope(organization="customer")

    def open(self) -> "RequestQuerySet":
        return self.filter(status__in=OPEN_STATUSES)


class Request(WorkflowModel):
    workflow = REQUEST_WORKFLOW

    number = models.CharField(max_length=20, unique=True)
    customer = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="requests")
    vendor = models.ForeignKey("relicensing.Vendor", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=32, choices=RequestStatus.choices, default=RequestStatus.SUBMITTED, editable=False
    )
    site_name = models.CharField(max_length=200)
    site_address = models.TextField(max_length=500, validators=[MaxLengthValidator(500)])
    site_country = models.CharField(max_length=2, help_text="ISO 3166 alpha-2 code.")
    contact_name = models.CharField(max_length=200)
    contact_email = models.EmailField()
    contact_phone = models.CharField(max_length=40)
    preferred_inspection_date = models.DateField()
    rejection_reason = models.TextField(blank=True, max_length=2000, validators=[MaxLengthValidator(2000)])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RequestQuerySet.as_manager()

    class Meta:
        base_manager_name = "objects"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RequestStatus.values), name="request_status_valid"),
        ]
        indexes = [
            models.Index(fields=["customer", "status"], name="request_by_customer"),
            # Lists, newest first: one customer's, and across customers (staff, partners).
            models.Index(fields=["customer", "-created_at", "-id"], name="request_list"),
            models.Index(fields=["-created_at", "-id"], name="request_recent"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class RequestItem(models.Model):
    """A chassis in a request. `is_open` mirrors the request's state so the database itself
    can hold a chassis to one open request at a time."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="items")
    registration = models.ForeignKey("relicensing.Registration", on_delete=models.PROTECT, related_name="+")
    equipment = models.ForeignKey(
        "relicensing.Equipment", on_delete=models.PROTECT, related_name="request_items"
    )
    outcome = models.CharField(max_length=16, choices=ItemOutcome.choices, default=ItemOutcome.PENDING)
    is_open = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["equipment"], condition=Q(is_open=True), name="one_open_request_per_chassis"
            ),
            models.UniqueConstraint(fields=["request", "equipment"], name="request_item_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.request} / {self.equipment}"


def document_path(document: "RequestDocument", filename: str) -> str:
    # Generated names: nothing a user typed ends up in a path on disk.
    return f"documents/{document.request_id}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()[:8]}"


class RequestDocument(models.Model):
    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=32, choices=DocumentKind.choices)
    file = models.FileField(upload_to=document_path, max_length=255)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    verified = models.BooleanField(
        null=True, blank=True, help_text="Staff's judgement of a proof of licence."
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class RequestDraft(models.Model):
    """A person's unfinished request wizard, kept on the server so it survives signing out (the
    proofs it stages are files in private storage; `data` names them)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="request_draft"
    )
    data = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Request draft of {self.user_id}"
