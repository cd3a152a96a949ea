"""Admin pieces shared by the apps: the history of a record of the programme's rules."""

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.http import HttpRequest, HttpResponse

from common.history import history_of

# Shown on the record's own page; its History page lists every change.
RECENT_CHANGES = 10


class HistoryAdmin(admin.ModelAdmin):
    """A record whose changes are kept (common/history.py): the latest on its page, all of them on
    its History page, each with who, when, and every field before and after."""

    change_form_template = "admin/history_change_form.html"
    object_history_template = "admin/history_object_history.html"
    # A SKU's page also lists the product links that name it (SkuProduct rows are edited inline).
    history_including_references = False

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            changes = history_of(
                obj, including_references=self.history_including_references, limit=RECENT_CHANGES + 1
            )
            extra_context = {
                **(extra_context or {}),
                "changes": changes[:RECENT_CHANGES],
                "more_changes": len(changes) > RECENT_CHANGES,
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            extra_context = {
                **(extra_context or {}),
                "changes": history_of(
                    obj, including_references=self.history_including_references, limit=1000
                ),
            }
        return super().history_view(request, object_id, extra_context)
