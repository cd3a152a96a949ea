"""GET /metrics: Prometheus metrics (portal.metrics) for a staff session or a scraper holding the
token. Anyone else: 401 (no or a wrong token) or 403 (signed in, not staff)."""

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4

from portal.metrics import metrics_exposition


def _token_ok(request: HttpRequest) -> bool:
    """`Authorization: Bearer <METRICS_TOKEN>`, compared in constant time; no token set, none works."""
    expected = settings.METRICS_TOKEN
    scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
    if not expected or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(offered.strip().encode(), expected.encode())


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    staff = request.user.is_authenticated and request.user.is_programme_staff  # type: ignore[union-attr]
    if not (staff or _token_ok(request)):
        if request.user.is_authenticated and "Authorization" not in request.headers:
            return HttpResponse("Metrics are for programme staff.\n", status=403, content_type="text/plain")
        response = HttpResponse(
            "Metrics need a staff session or the scrape token: Authorization: Bearer <token>.\n",
            status=401,
            content_type="text/plain",
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(
        metrics_exposition(), content_type=CONTENT_TYPE_PLAIN_0_0_4
    )  # classic text: every Prometheus reads it
