"""API plumbing shared by every app: pagination and the one exception handler."""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, pagination, serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from common.echo import ECHO_CHARS, value_echo
from common.errors import ServiceError
from common.paging import (
    EXACT_COUNT_UP_TO,
    BoundedCountPaginator,
    Cursor,
    KeysetPage,
    keyset_page,
    rows_shaped,
)

# How the API writes a time (settings' DATETIME_FORMAT, the current zone), for answers a serializer
# writes by hand on a hot path (the installed base's and the requests' rows).
API_TIME = serializers.DateTimeField()

ECHOES_CHECKED = 100  # the longest values of a request whose echoes are capped; a body has few


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, which builds and checks its filter form only when the request names
    one of the list's filters: the unfiltered page, the one asked most, skips the form."""

    def filter_queryset(self, request, queryset, view):  # type: ignore[no-untyped-def]
        filterset_class = self.get_filterset_class(view, queryset)
        names = tuple(filterset_class.base_filters) if filterset_class is not None else ()
        if not names or not any(param.startswith(names) for param in request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)


class Pagination(pagination.PageNumberPagination):
    """`?page=` and `?page_size=`; `count` is exact up to 10,000 rows and the database's estimate
    beyond (common.paging.count_bounded), so a list costs the same at any size."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    django_paginator_class = BoundedCountPaginator

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        answer = super().get_paginated_response_schema(schema)
        answer["properties"]["count"]["description"] = COUNT_DESCRIPTION
        return answer


COUNT_DESCRIPTION = (
    f"How many rows the list holds: exact up to {EXACT_COUNT_UP_TO:,}; above that, the database's "
    "estimate (within a few percent, and on the lists paged by cursor the same for a minute while "
    "you page on), so a long list costs no more to page through than a short one."
)


class NewestFirstPagination(Pagination):
    """For the long lists kept newest first (equipment, requests): `next` and `previous` are keyset
    cursors (`?cursor=`), so the ten-thousandth page costs what the first does; `?page=` still
    answers, for a first page or a jump, and its `next` link continues by cursor. A view may say how
    its rows split by organisation (`keyset_partition()`), so a partner's page merges each
    customer's newest rows (common.paging.keyset_page's `partition`), and name the columns its
    rows are read as (`keyset_columns`: named tuples, no model objects; keyset_page's `columns`)."""

    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request, view=None):  # type: ignore[no-untyped-def]
        self.request = request
        self.keyset: KeysetPage | None = None
        columns = getattr(view, "keyset_columns", None)
        text = request.query_params.get(self.cursor_query_param)
        if text is None and request.query_params.get(self.page_query_param) not in (None, "", "1"):
            # A jump by page number: the same rows, read the same way (counted with their columns).
            return super().paginate_queryset(rows_shaped(queryset, columns), request, view)
        cursor = Cursor.decode(text) if text is not None else None
        self.keyset = keyset_page(
            queryset,
            cursor=cursor,
            size=self.get_page_size(request) or self.page_size,
            partition=view.keyset_partition() if hasattr(view, "keyset_partition") else None,
            columns=columns,
        )
        return list(self.keyset.rows)

    def get_paginated_response(self, data: Any) -> Response:
        if self.keyset is None:
            return super().get_paginated_response(data)
        return Response(
            {
                "count": self.keyset.count.n,
                "next": self._cursor_link(self.keyset.older),
                "previous": self._cursor_link(self.keyset.newer),
                "results": data,
            }
        )

    def get_next_link(self) -> str | None:
        # A page-number page continues by cursor from its last row.
        if self.keyset is not None or not self.page.has_next():
            return super().get_next_link() if self.keyset is None else None
        last = self.page.object_list[len(self.page.object_list) - 1]
        return self._cursor_link(Cursor(created_at=last.created_at, pk=last.pk, older=True))

    def _cursor_link(self, cursor: Cursor | None) -> str | None:
        if cursor is None:
            return None
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, cursor.encode())

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "A position in the list, as given in `next` and `previous`: follow those links.",
                "schema": {"type": "string"},
            },
        ]


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
