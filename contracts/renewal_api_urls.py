"""API routes of the renewal work (included from config/api_urls.py)."""

from django.urls import path

from contracts.renewal_api import (
    RenewalQuoteApproveApi,
    RenewalQuoteDetailApi,
    RenewalQuoteIssueApi,
    RenewalQuoteOrderApi,
)

urlpatterns = [
    path(
        "contracts/<str:number>/renewal-quote/",
        RenewalQuoteIssueApi.as_view(),
        name="api-contract-renewal-quote",
    ),
    path("renewal-quotes/<int:pk>/", RenewalQuoteDetailApi.as_view(), name="api-renewal-quote"),
    path("renewal-quotes/<int:pk>/order/", RenewalQuoteOrderApi.as_view(), name="api-renewal-quote-order"),
    path(
        "renewal-quotes/<int:pk>/approve/", RenewalQuoteApproveApi.as_view(), name="api-renewal-quote-approve"
    ),
]
