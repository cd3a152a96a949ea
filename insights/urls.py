"""URLs of the insights page and its figures' CSV downloads."""

from django.urls import path

from insights import views

urlpatterns = [
    path("insights/", views.insights, name="insights"),
    path("insights/<slug:figure>.csv", views.insights_csv, name="insights-csv"),
]
