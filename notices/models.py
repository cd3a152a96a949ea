"""The outbox: one row per notice to one person about one event on one object."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.template import Context, engines
from django.template.loader import get_template

from accounts.visibility import Scope, VisibleQuerySet


class NoticeQuerySet(VisibleQuerySet):
    scope = Scope(user="recipient")

    def unsent(self) -> "NoticeQuerySet":
        return self.filter(sent_at__isnull=True).exclude(to_email="")


class Notice(models.Model):
    """Written in the same transaction as the change it reports; a worker emails it.

    (event, target, recipient) is unique, so no change can notify the same person twice.
    """

    event = models.CharField(max_length=64)
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    to_email = models.EmailField(blank=True, help_text="The address when the notice was written.")
    context = models.JSONField(default=dict, blank=True)
    link = models.CharField(max_length=500, blank=True, help_text="Path of the page it is about.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "target_type", "target_id", "recipient"], name="notice_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(sent_at__isnull=True),
                name="notice_unsent",
            ),
            models.Index(fields=["recipient", "-created_at"], name="notice_inbox"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.recipient_id}"

    def render(self, part: str) -> str:
        """Render `subject.txt`, `body.txt` or `body.html` from templates/notices/<event>/.

        Text parts are not HTML: "O'Brien & Sons" must arrive as typed, so only the HTML part
        is auto-escaped.
        """
        context = {**self.context, "notice": self, "site_url": settings.SITE_URL}
        name = f"notices/{self.event}/{part}"
        if part.endswith(".html"):
            return get_template(name).render(context)
        return engines["django"].engine.get_template(name).render(Context(context, autoescape=False))  # type: ignore[attr-defined]

    @property
    def subject(self) -> str:
        return " ".join(self.render("subject.txt").split())
