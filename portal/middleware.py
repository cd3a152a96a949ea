"""Error pages in the portal's layout, whatever the settings: with DEBUG on, Django would answer a
404 with its list of URLs and a crash with a traceback page; a person gets the same pages as in
production. (The API answers errors as JSON itself; the admin keeps its own pages.)"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core import signals
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

logger = logging.getLogger("django.request")

NOT_PAGES = ("/api/", "/admin/", "/static/", "/healthz", "/readyz", "/metrics")


def _is_page(request: HttpRequest) -> bool:
    return not request.path.startswith(NOT_PAGES)


def error_page(request: HttpRequest, status: int) -> HttpResponse:
    response = render(request, f"{status}.html", status=status)
    response.error_page = True  # type: ignore[attr-defined]
    return response


class ErrorPagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not _is_page(request) or getattr(response, "error_page", False):
            return response
        if response.status_code == 405:  # a page that takes only POST, opened some other way
            return error_page(request, 405)
        if settings.DEBUG and response.status_code == 404:  # an address nothing answers
            return error_page(request, 404)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not settings.DEBUG or not _is_page(request):
            return None  # without DEBUG, Django's own handlers render these same templates
        if isinstance(exception, Http404):
            return error_page(request, 404)
        if isinstance(exception, PermissionDenied):
            return None  # Django renders 403.html in every setting
        # Told as Django tells it (the test client re-raises it; the log keeps the traceback).
        signals.got_request_exception.send(sender=None, request=request)
        logger.error("Internal Server Error: %s", request.path, exc_info=exception)
        return error_page(request, 500)
