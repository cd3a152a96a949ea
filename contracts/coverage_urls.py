"""Page routes of the coverage check and take-back (included from config/urls.py)."""

from django.urls import path

from contracts.coverage_views import coverage_check_page
from contracts.takeback_views import equipment_take_back_page

urlpatterns = [
    path("contracts/coverage/", coverage_check_page, name="contract-coverage"),
    path("equipment/<int:pk>/take-back/", equipment_take_back_page, name="equipment-take-back"),
]
