"""URLs of the pages that gather from several areas."""

from django.urls import path

from portal.views import (
    catalog,
    checks,
    dashboard,
    equipment_detail,
    operations,
    people,
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
    # An organisation's people (accounts' services; here because staff pages gather from several areas).
    path("account/invitation/<str:token>/", people.invitation_accept, name="invitation-accept"),
    path("organization/people/", people.organization_people, name="organization-people"),
    path("people/<int:pk>/deactivate/", people.person_deactivate, name="person-deactivate"),
    path("people/<int:pk>/reactivate/", people.person_reactivate, name="person-reactivate"),
    path("people/<int:pk>/administrator/", people.person_administrator, name="person-administrator"),
    path("invitations/<int:pk>/revoke/", people.invitation_revoke, name="invitation-revoke"),
    path("organizations/", people.organization_list, name="organization-list"),
    path("organizations/<int:pk>/", people.organization_detail, name="organization-detail"),
    path("organizations/<int:pk>/partnerships/", people.partnership_add, name="partnership-add"),
    path("partnerships/<int:pk>/remove/", people.partnership_remove, name="partnership-remove"),
]
