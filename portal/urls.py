"""URLs of the pages that gather from several areas."""

from django.urls import path

from portal.views import (
    catalog,
    checks,
    dashboard,
    equipment_detail,
    operations,
    request_messages,
    request_wizard,
    requests,
)

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("catalog/", catalog.catalog, name="catalog"),
    path("equipment/<int:pk>/", equipment_detail.equipment_detail, name="equipment-detail"),
    path("serial-check/", checks.serial_check, name="serial-check"),
    path("serial-check/bulk/", checks.serial_check_bulk, name="serial-check-bulk"),
    path("requests/new/", request_wizard.request_new, name="request-new"),
    path("requests/new/discard/", request_wizard.request_new_discard, name="request-new-discard"),
    path("requests/new/<slug:step>/", request_wizard.request_new, name="request-new-step"),
    path("requests/<int:pk>/", requests.request_detail, name="request-detail"),
    path("requests/<int:pk>/messages/", request_messages.request_message_post, name="request-message-post"),
    path(
        "requests/<int:pk>/messages/<int:message_id>/attachment/",
        request_messages.request_message_attachment,
        name="request-message-attachment",
    ),
    path("operations/", operations.operations, name="operations"),
    path("operations/notices/<int:pk>/resend/", operations.notice_resend, name="operations-notice-resend"),
]
