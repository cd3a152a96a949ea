"""A request's conversation: messages between the customer, its partner, staff and the assigned
inspector, each optionally carrying one attachment that follows the document rules."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models

MESSAGE_MAX_CHARS = 4000


def attachment_path(message: "RequestMessage", filename: str) -> str:
    # Generated names, as for documents: nothing a user typed ends up in a path on disk.
    return f"messages/{message.request_id}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()[:8]}"


class RequestMessage(models.Model):
    """One message; `internal` ones are notes between programme staff, never shown to the
    customer's or the partner's people (nor to an inspector who is not staff)."""

    request = models.ForeignKey("relicensing.Request", on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=MESSAGE_MAX_CHARS, validators=[MaxLengthValidator(MESSAGE_MAX_CHARS)])
    internal = models.BooleanField(default=False)
    at = models.DateTimeField(auto_now_add=True)
    attachment = models.FileField(upload_to=attachment_path, max_length=255, blank=True)
    attachment_name = models.CharField(max_length=255, blank=True)
    attachment_type = models.CharField(max_length=64, blank=True)
    attachment_size = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["request", "at", "id"], name="relicensing_message_order")]

    def __str__(self) -> str:
        return f"Message {self.pk} on request {self.request_id}"
