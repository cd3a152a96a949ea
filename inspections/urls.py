"""URLs of the inspection pages: the list, a visit and its actions, the results form, photos, the
staff calendar, the inspectors' private feeds and the vendors' checklists."""

from django.urls import path

from inspections.views import calendar, checklists, messages, results, visits

urlpatterns = [
    path("inspections/", visits.inspection_list, name="inspection-list"),
    path("inspections/calendar/", calendar.inspection_calendar, name="inspection-calendar"),
    path("inspections/feed/<slug:token>.ics", calendar.inspection_feed, name="inspection-feed"),
    path("inspections/checklists/", checklists.checklist_list, name="checklist-list"),
    path("inspections/checklists/<slug:vendor>/", checklists.checklist_edit, name="checklist-edit"),
    path("inspections/<int:pk>/", visits.inspection_detail, name="inspection-detail"),
    path("inspections/<int:pk>/book/", visits.inspection_book, name="inspection-book"),
    path("inspections/<int:pk>/move/", visits.inspection_move, name="inspection-move"),
    path("inspections/<int:pk>/messages/", messages.inspection_message_post, name="inspection-message-post"),
    path("inspections/<int:pk>/photos/<int:photo>/", visits.inspection_photo, name="inspection-photo"),
    path("inspections/<int:pk>/results/", results.inspection_results, name="inspection-results"),
    path(
        "inspections/<int:pk>/chassis/<int:line>/correct/",
        results.inspection_correct,
        name="inspection-correct",
    ),
]
