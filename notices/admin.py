"""Admin for the outbox: read-only, with a send-now action for notices still pending."""

from django.contrib import admin

from notices.models import Notice
from notices.services import notices_dispatch


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["event", "recipient", "to_email", "created_at", "sent_at", "failed_at", "attempts"]
    list_filter = [
        "event",
        ("sent_at", admin.EmptyFieldListFilter),
        ("failed_at", admin.EmptyFieldListFilter),
    ]
    list_select_related = ["recipient"]
    ordering = ["-id"]  # newest first, off the primary key (created_at has no index of its own)
    search_fields = ["to_email", "recipient__username", "event"]
    readonly_fields = [f.name for f in Notice._meta.fields]
    actions = ["resend"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    @admin.action(description="Send the selected unsent notices now")
    def resend(self, request, queryset):  # type: ignore[no-untyped-def]
        ids = list(queryset.pending().values_list("pk", flat=True))
        notices_dispatch(ids)
        self.message_user(request, f"{len(ids)} notice(s) handed to the worker; failed ones are not retried.")
