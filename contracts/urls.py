"""URLs of the quote pages (the builder under its request, a quote, its PDF, accepting it), the
staff approval queue, and the contract pages (search, one contract, its site, its welcome kit)."""

from django.urls import path, re_path

from contracts import export_views, renewal_views, views

# A contract number as issued (CT-2026-000123), so that other pages under /contracts/ (the
# coverage check) are never taken for a contract.
NUMBER = r"(?P<number>[A-Za-z]{2}-[0-9]{4}-[0-9]+)"

urlpatterns = [
    path("requests/<int:pk>/quote/", views.quote_builder, name="quote-builder"),
    path("quotes/<int:pk>/", views.quote_detail, name="quote-detail"),
    path("quotes/<int:pk>/pdf/", views.quote_pdf_download, name="quote-pdf"),
    path("quotes/<int:pk>/accept/", views.quote_accept, name="quote-accept"),
    path("approvals/", views.approval_queue, name="approval-queue"),
    path("approvals/<int:pk>/approve/", views.approval_give, name="approval-give"),
    path("contracts/", views.contract_list, name="contract-list"),
    path("contracts/export.<str:extension>", export_views.contract_export, name="contract-export"),
    re_path(rf"^contracts/{NUMBER}/$", views.contract_detail, name="contract-detail"),
    re_path(
        rf"^contracts/{NUMBER}/site/$",
        views.contract_site_edit,
        name="contract-site",
    ),
    re_path(
        rf"^contracts/{NUMBER}/renewal/quote/$", renewal_views.renewal_quote_prepare, name="renewal-prepare"
    ),
    re_path(rf"^contracts/{NUMBER}/renewal/order/$", renewal_views.renewal_quote_order, name="renewal-order"),
    re_path(
        rf"^contracts/{NUMBER}/renewal/approve/$", renewal_views.renewal_quote_approve, name="renewal-approve"
    ),
    re_path(
        rf"^contracts/{NUMBER}/welcome-kit\.pdf$", views.contract_welcome_kit, name="contract-welcome-kit"
    ),
]
