"""Page routes of the coverage check and take-back (included from config/urls.py)."""

urlpatterns: list = []
