"""Page routes of the coverage check and take-back (included from config/urls.py)."""

from django.urls import path

from contracts.coverage_views import coverage_check_page

urlpatterns = [
    path("contracts/coverage/", coverage_check_page, name="contract-coverage"),
]
