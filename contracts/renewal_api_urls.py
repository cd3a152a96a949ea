"""API routes of the renewal work (included from config/api_urls.py)."""

urlpatterns: list = []
