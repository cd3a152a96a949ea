"""Requests no view should see: a NUL character in the address or its query. Postgres refuses NUL
in any text, so a lookup with one would fail as a server error; no valid address, id, contract
number or search holds one, so the request is refused as bad input first."""

from collections.abc import Callable

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
