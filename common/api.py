"""API plumbing shared by every app: pagination and the one exception handler."""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, pagination
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from common.echo import ECHO_CHARS, value_echo
from common.errors import ServiceError

ECHOES_CHECKED = 100  # the longest values of a request whose echoes are capped; a body has few


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Give every error the documented shape (field errors by field, else `detail` and `code`)
    and roll back whatever the request wrote before it failed: an error answer commits nothing."""
    response = _error_response(exc, context)
    if response is not None:
        response.data = _echoes_capped(response.data, context.get("request"))
        # DRF marks the request's transaction (ATOMIC_REQUESTS) for rollback only for its own
        # exceptions; a domain error after a partial write must not commit that write either.
        set_rollback()
    return response


def _error_response(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ServiceError):
        return Response(exc.as_dict(), status=exc.status_code, headers=exc.headers)
    if isinstance(exc, DjangoValidationError):  # model validation outside a service (admin-like paths)
        exc = exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(response.data, dict) and set(response.data) == {"detail"}:
        codes = exc.get_codes()
        response.data["code"] = codes if isinstance(codes, str) else exc.default_code
    return response


def _echoes_capped(answer: Any, request: Any) -> Any:
    """The answer with every long value the request sent repeated by its start only: DRF's own
    messages ('"<input>" is not a valid choice.', "Object with slug=<value> does not exist.") and
    any service message quote what they were given, however long."""
    sent: list[str] = []
    for source in ("data", "query_params"):
        try:
            _strings_collect(getattr(request, source, None), sent)
        except exceptions.APIException:  # a body that could not be parsed: nothing to find in it
            continue
    echoes = sorted({text for text in sent if len(text) > ECHO_CHARS}, key=len, reverse=True)
    if not echoes:
        return answer
    return _messages_map(answer, echoes[:ECHOES_CHECKED])


def _strings_collect(value: Any, into: list[str]) -> None:
    if isinstance(value, str):
        into.append(value)
    elif hasattr(value, "lists"):  # a QueryDict: every value of every key
        for _, values in value.lists():
            _strings_collect(values, into)
    elif isinstance(value, dict):
        _strings_collect(list(value.values()), into)
    elif isinstance(value, list | tuple):
        for item in value:
            _strings_collect(item, into)


def _messages_map(answer: Any, echoes: list[str]) -> Any:
    if isinstance(answer, dict):
        return {key: _messages_map(value, echoes) for key, value in answer.items()}
    if isinstance(answer, list):
        return [_messages_map(item, echoes) for item in answer]
    if isinstance(answer, str):
        text = str(answer)
        for echo in echoes:
            if echo in text:
                text = text.replace(echo, value_echo(echo))
        if text == answer:
            return answer
        return ErrorDetail(text, code=answer.code) if isinstance(answer, ErrorDetail) else text
    return answer
