"""Structured logs: one line per event, as JSON (production) or as readable text (a workstation).

Every line, whether it comes from structlog or from a plain `logging.getLogger(__name__)` call,
from Django, gunicorn or Celery, goes through the same processors, so it carries the request id,
the task id, the user and the organisation in effect where it was written. django-structlog binds
the request id and the user when a request starts and carries them, in the task's headers, into
every task the request enqueues; the worker binds them again with the task's own id.

Two gaps are closed here. An API call authenticates by token inside the view, after the request
middleware has looked at the user: the user and organisation are read from the request when a
line is written and when a task is enqueued, so both carry the caller. And the organisation is
not django-structlog's: it is added beside the user everywhere the user is.

A refusal is not an incident: Django writes every 403 and 404 as a warning, with a traceback when
a view raised it, and django-structlog's request_finished line as another warning;
`ClientRefusalQuiet` turns both into info lines without the traceback.

Imported by the settings: nothing here may import models at import time.
"""

import contextvars
import logging
import sys
from typing import Any

import structlog
from django.core.exceptions import ImproperlyConfigured
from django.dispatch import receiver
from django_structlog import signals as request_signals
from django_structlog.celery import signals as task_signals

JSON = "json"
CONSOLE = "console"
FORMATS = (JSON, CONSOLE)

# The request being served in this thread, so the user it authenticated (possibly by token, after
# the middleware ran) can be read when a line is written or a task enqueued. Not a structlog
# binding: a request object must never reach a log line or a task's headers.
_request_current: contextvars.ContextVar[Any] = contextvars.ContextVar("log_request", default=None)


def request_identity(request: Any) -> dict[str, Any]:
    """The user and organisation of a request, once it has an authenticated user; else nothing.

    Reading the user for a log line must not count as reading the session (that would add
    `Vary: Cookie` to every response), as django-structlog's middleware also takes care.
    """
    session = getattr(request, "session", None)
    session_accessed = getattr(session, "accessed", None)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        identity = {}
    else:
        identity = {"user_id": user.pk, "organization_id": getattr(user, "organization_id", None)}
    if session is not None and session_accessed is not None:
        session.accessed = session_accessed
    return identity


def identity_add(logger: Any, method_name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """Processor: the current request's user and organisation, on every line written while it is
    served (lines in a task get theirs from the task's headers instead)."""
    request = _request_current.get()
    if request is not None:
        event_dict.update(request_identity(request))
    return event_dict


def processors_shared() -> list[Any]:
    """What every line gets, from structlog or from the standard library, before it is rendered."""
    return [
        structlog.contextvars.merge_contextvars,
        identity_add,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]


def formatter(log_format: str) -> dict[str, Any]:
    """A `logging` formatter (dictConfig form) rendering every record as one JSON line or as text."""
    if log_format not in FORMATS:
        raise ImproperlyConfigured(f"Set LOG_FORMAT to {' or '.join(FORMATS)}, not {log_format!r}")
    if log_format == JSON:
        # A traceback becomes the "exception" string field: still one line.
        renderers = [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    else:
        renderers = [
            structlog.dev.ConsoleRenderer(
                colors=sys.stdout.isatty(), exception_formatter=structlog.dev.plain_traceback
            )
        ]
    return {
        "()": structlog.stdlib.ProcessorFormatter,
        "foreign_pre_chain": processors_shared(),
        "processors": [structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderers],
    }


def structlog_configure() -> None:
    """structlog's loggers hand their events to `logging`, whose handler renders them (formatter)."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *processors_shared(),
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


class ClientRefusalQuiet(logging.Filter):
    """A 403 or 404 is the site refusing or not finding what a caller asked for, a normal answer.

    On `django.request` (Django's "Forbidden: /path", with the traceback of the PermissionDenied or
    Http404 behind it) and on `django_structlog.middlewares.request` (the request_finished line,
    a warning for every 4xx): the record of a 403 or 404 becomes an info line without a traceback,
    and is dropped where the logger does not log info. Other statuses pass unchanged."""

    STATUSES = frozenset({403, 404})

    def filter(self, record: logging.LogRecord) -> bool:
        event = record.msg if isinstance(record.msg, dict) else None  # a structlog line
        status = event.get("code") if event is not None else getattr(record, "status_code", None)
        if status not in self.STATUSES:
            return True
        if not logging.getLogger(record.name).isEnabledFor(logging.INFO):
            return False
        record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
        if event is not None:
            event["level"] = "info"
            event.pop("exc_info", None)
        record.exc_info = record.exc_text = record.stack_info = None
        return True


# --- the request's identity, into its lines and its tasks ---------------------------------


@receiver(request_signals.bind_extra_request_metadata)
def request_started(request: Any, **kwargs: Any) -> None:
    _request_current.set(request)


@receiver(request_signals.bind_extra_request_finished_metadata)
@receiver(request_signals.update_failure_response)
def request_ended(request: Any, **kwargs: Any) -> None:
    # Bound for request_finished, which follows; the middleware then clears every binding, and
    # a line written after the response is no longer this request's.
    structlog.contextvars.bind_contextvars(**request_identity(request))
    _request_current.set(None)


@receiver(task_signals.modify_context_before_task_publish)
def task_context_identify(context: dict[str, Any], **kwargs: Any) -> None:
    """The task inherits the request's user and organisation as they are now (a token caller is
    authenticated by now); a task enqueued by a task keeps the ones it inherited."""
    request = _request_current.get()
    if request is not None:
        context.update(request_identity(request))


@receiver(task_signals.bind_extra_task_metadata)
def task_name_bind(task: Any, **kwargs: Any) -> None:
    # Every line of the task names it, not only django-structlog's task_started.
    structlog.contextvars.bind_contextvars(task=task.name)
