"""Middleware of the whole site: requests no view should see, and headers every answer carries.

Requests no view should see: a NUL character in the address or its query. Postgres refuses NUL
in any text, so a lookup with one would fail as a server error; no valid address, id, contract
number or search holds one, so the request is refused as bad input first."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

REFUSAL = "The address or its search holds a NUL character, which no valid address or search has."


class NulRefusedMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any("\x00" in key + value for key, value in request.GET.items()):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": REFUSAL, "code": "invalid"}, status=400)
            response = render(request, "400.html", {"reason": REFUSAL}, status=400)
            response.error_page = True  # type: ignore[attr-defined]
            return response
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """Writes the Permissions-Policy header: each feature named in `settings.PERMISSIONS_POLICY` is
    refused to the page and to every frame in it (`camera=()`). Without the setting, no header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        features = getattr(settings, "PERMISSIONS_POLICY", ())
        self.header = ", ".join(f"{feature}=()" for feature in features)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response
