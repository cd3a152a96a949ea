"""URLs of the quote pages: the builder (under its request), a quote, its PDF, accepting it."""

from django.urls import path

from contracts import views

urlpatterns = [
    path("requests/<int:pk>/quote/", views.quote_builder, name="quote-builder"),
    path("quotes/<int:pk>/", views.quote_detail, name="quote-detail"),
    path("quotes/<int:pk>/pdf/", views.quote_pdf_download, name="quote-pdf"),
    path("quotes/<int:pk>/accept/", views.quote_accept, name="quote-accept"),
]
