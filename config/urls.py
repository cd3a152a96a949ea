"""Root URLs: pages, the admin, liveness and readiness, metrics and the v1 API."""

from django.contrib import admin
from django.urls import include, path

from config.health import healthz, readyz
from portal.views.metrics import metrics

urlpatterns = [
    path("", include("portal.urls")),
    path("", include("accounts.urls")),
    path("notices/", include("notices.urls")),
    path("webhooks/", include("webhooks.urls")),
    path("", include("relicensing.urls")),
    path("", include("contracts.urls")),
    path("", include("contracts.coverage_urls")),
    path("", include("inspections.urls")),
    path("", include("insights.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
    path("api/v1/", include("config.api_urls")),
]
