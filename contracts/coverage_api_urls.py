"""API routes of the coverage work (included from config/api_urls.py)."""

from django.urls import path

from contracts.coverage_api import ContractRmaApi, CoverageCheckApi, EquipmentTakeBackApi

urlpatterns = [
    path("coverage-check/", CoverageCheckApi.as_view(), name="api-coverage-check"),
    path("contracts/<str:number>/rma/", ContractRmaApi.as_view(), name="api-contract-rma"),
    path("equipment/<int:pk>/take-back/", EquipmentTakeBackApi.as_view(), name="api-equipment-take-back"),
]
