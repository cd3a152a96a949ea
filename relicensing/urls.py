"""URLs of the relicensing pages: the installed base, imports, long exports, requests and their actions, staff
tools. (The catalog, a unit's page, the serial checks, the new-request wizard and a request's
page are portal's.)"""

from django.urls import path

from relicensing.views import (
    equipment,
    export_jobs,
    exports,
    imports,
    request_actions,
    requests,
    staff,
)

urlpatterns = [
    path("equipment/", equipment.equipment_list, name="equipment-list"),
    path(
        "equipment/export.<str:extension>",
        exports.equipment_export,
        name="equipment-export",
    ),
    path("exports/", export_jobs.export_job_create, name="export-job-create"),
    path("exports/<int:pk>/", export_jobs.export_job, name="export-job"),
    path("exports/<int:pk>/download/", export_jobs.export_job_download, name="export-job-download"),
    path("equipment/register/", equipment.equipment_register, name="equipment-register"),
    path("equipment/import/", imports.import_start, name="equipment-import"),
    path("equipment/import/template.csv", imports.import_template, name="equipment-import-template"),
    path("equipment/import/<int:pk>/", imports.import_job, name="equipment-import-job"),
    path("equipment/import/<int:pk>/status.json", imports.import_job_status, name="equipment-import-status"),
    path("equipment/import/<int:pk>/errors.csv", imports.import_job_errors, name="equipment-import-errors"),
    path("requests/", requests.request_list, name="request-list"),
    path("requests/<int:pk>/cancel/", request_actions.request_cancel, name="request-cancel"),
    path("requests/<int:pk>/reject/", request_actions.request_reject, name="request-reject"),
    path(
        "requests/<int:pk>/documents/",
        request_actions.request_document_upload,
        name="request-document-upload",
    ),
    path(
        "requests/<int:pk>/documents/<int:document_id>/",
        request_actions.request_document_download,
        name="request-document-download",
    ),
    path(
        "requests/<int:pk>/documents/<int:document_id>/verify/",
        request_actions.request_document_verify,
        name="request-document-verify",
    ),
    path("staff/holds/", staff.holds, name="staff-holds"),
    path("staff/holds/<int:pk>/release/", staff.hold_release, name="staff-hold-release"),
    path("staff/disputes/", staff.disputes, name="staff-disputes"),
    path("staff/equipment/<int:pk>/flags/", staff.equipment_flag, name="staff-equipment-flag"),
    path("staff/equipment/<int:pk>/settle/", staff.equipment_settle, name="staff-equipment-settle"),
]
