"""The outbox: one row per notice to one person about one occurrence of an event."""

import logging

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.template import Context, engines
from django.template.loader import get_template

from notices.events import NoticeEvent

logger = logging.getLogger(__name__)


class NoticeQuerySet(models.QuerySet):
    def pending(self) -> "NoticeQuerySet":
        """Still to be emailed: not sent, not given up on, with an address to send to."""
        return self.filter(sent_at__isnull=True, failed_at__isnull=True).exclude(to_email="")


class Notice(models.Model):
    """Written in the same transaction as the change it reports; a worker emails it.

    (occurrence, recipient) is unique: `occurrence` names the one thing that happened (the
    transition row, the quote revision, the reminder tier), so a retried change notifies nobody
    twice while a second real occurrence on the same object still does.
    """

    event = models.CharField(max_length=64, choices=NoticeEvent.choices)
    occurrence = models.CharField(max_length=120)
    # Not indexed alone: nothing reads notices by kind of target (nor deletes a content type).
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, db_index=False)
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notices",
        db_index=False,  # `notice_inbox` leads with it
        help_text="Empty for a person who has no account here (a site contact): only emailed.",
    )
    to_email = models.EmailField(blank=True, help_text="The address when the notice was written.")
    context = models.JSONField(default=dict, blank=True)
    link = models.CharField(max_length=500, blank=True, help_text="Path of the page it is about.")
    attachments = models.JSONField(
        default=list,
        blank=True,
        help_text="Files sent with it, as they were when it was written: "
        '[{"filename", "content_type", "content"}] (text content, such as a calendar invitation).',
    )
    # Not indexed alone: the inbox reads it through `notice_inbox`, and the admin lists newest
    # first by id. Each index is paid for by every notice a sweep writes (100,000 at a time).
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="When the resend sweep tries again, if it is still unsent."
    )
    failed_at = models.DateTimeField(
        null=True, blank=True, help_text="Given up on: it cannot be rendered, was refused, or kept failing."
    )
    last_error = models.TextField(blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["occurrence", "recipient"], name="notice_once_per_occurrence"),
            models.UniqueConstraint(
                fields=["occurrence", "to_email"],
                condition=models.Q(recipient__isnull=True),
                name="notice_once_per_occurrence_address",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(sent_at__isnull=True, failed_at__isnull=True),
                name="notice_due",
            ),
            models.Index(fields=["recipient", "-created_at"], name="notice_inbox"),
            # Every page's menu counts the reader's unread notices (up to 100): read off this index
            # alone, however many notices the person has read before.
            models.Index(
                fields=["recipient", "id"], condition=models.Q(read_at__isnull=True), name="notice_unread"
            ),
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
        """The subject line; a notice that cannot be rendered shows its event's name instead, so a
        page listing notices never fails because of one bad notice."""
        try:
            return " ".join(self.render("subject.txt").split())
        except Exception:
            logger.exception("Notice %s cannot be rendered", self.pk)
            return self.get_event_display()
