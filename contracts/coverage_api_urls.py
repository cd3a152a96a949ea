"""API routes of the coverage work (included from config/api_urls.py)."""

urlpatterns: list = []
