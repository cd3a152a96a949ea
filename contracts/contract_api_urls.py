"""API routes of the contract work (included from config/api_urls.py)."""

urlpatterns: list = []
