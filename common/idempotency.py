"""Idempotency-Key for every creating or state-changing POST of the API (`@idempotent`).

A key belongs to one caller and is bound to the call it was first used for: the method, the
path and a hash of the body. The same key again:
- for the same call, once the first has finished: the first answer again, and nothing runs twice;
- for another call (another path or body): 422 `idempotency_key_reused`;
- while the first is still running: 409 `idempotency_in_flight`, with Retry-After.
Keys are forgotten after 24 hours: lookups ignore older ones and a daily sweep deletes them.
Only answers whose work committed (2xx) are kept; an error answer changed nothing (the
exception handler rolls the request back), so a retry after an error simply runs again.

Why not a package: drf-idempotency keys are global, so one caller could replay another's
answer, and its in-flight marker is invisible to a concurrent call under ATOMIC_REQUESTS;
drf-idempotencykey takes only UUIDs and answers a changed body with 409, not 422.
"""

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from common import locks
from common.errors import Conflict, DomainError, InvalidInput
from common.models import IdempotencyKey

HEADER = "Idempotency-Key"
TTL = dt.timedelta(hours=24)
MAX_KEY_LENGTH = 200


class KeyReused(DomainError):
    status_code = 422

    def __init__(self) -> None:
        super().__init__(
            "This Idempotency-Key was already used for a different call (another path or body). "
            "Use a new key for a new call.",
            code="idempotency_key_reused",
        )


class InFlight(Conflict):
    headers = {"Retry-After": "1"}

    def __init__(self) -> None:
        super().__init__(
            "A call with this Idempotency-Key is still being processed; retry in a moment to get its answer.",
            code="idempotency_in_flight",
        )


View = Callable[..., Response]


def idempotent(view_method: View) -> View:
    """Wrap an APIView method (`post`) so a retried call gets its first answer back."""

    @wraps(view_method)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER, "").strip()
        if not key or not request.user.is_authenticated:
            return view_method(view, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH:
            raise InvalidInput({HEADER: [f"At most {MAX_KEY_LENGTH} characters."]})
        call = {"method": request.method, "path": request.path, "body_hash": _body_hash(request)}
        with transaction.atomic():
            if not locks.try_lock(locks.IDEMPOTENCY, _lock_key(request.user.pk, key)):
                raise InFlight()
            mine = IdempotencyKey.objects.filter(user=request.user, key=key)
            first = mine.filter(created_at__gte=timezone.now() - TTL).first()
            if first is not None:
                if (first.method, first.path, first.body_hash) != tuple(call.values()):
                    raise KeyReused()
                return Response(
                    json.loads(first.body), status=first.status_code, headers={"Idempotent-Replayed": "true"}
                )
            response = view_method(view, request, *args, **kwargs)
            if 200 <= response.status_code < 300:
                mine.delete()  # a day-old use of the same key, forgotten
                IdempotencyKey.objects.create(
                    user=request.user,
                    key=key,
                    status_code=response.status_code,
                    body=json.dumps(response.data, cls=DjangoJSONEncoder),
                    **call,
                )
            return response

    wrapper.idempotent = True  # type: ignore[attr-defined]
    return wrapper


def _lock_key(user_id: int, key: str) -> int:
    digest = hashlib.sha256(f"{user_id}:{key}".encode()).digest()
    return int.from_bytes(digest[:4], "big", signed=True)


def _body_hash(request: Request) -> str:
    """The body as parsed: JSON canonically, forms and uploads field by field (files by content)."""
    digest = hashlib.sha256()
    data: Any = request.data
    if hasattr(data, "getlist"):
        for name in sorted(data.keys()):
            for value in data.getlist(name):
                digest.update(f"\x00{name}\x00".encode())
                if isinstance(value, UploadedFile):
                    digest.update(f"{value.name}\x00{value.size}\x00".encode())
                    for chunk in value.chunks():
                        digest.update(chunk)
                    value.seek(0)
                else:
                    digest.update(str(value).encode())
    else:
        digest.update(json.dumps(data, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def idempotency_keys_forget(*, now: dt.datetime | None = None) -> int:
    """Daily sweep: delete keys older than the TTL. Safe to overlap (one DELETE)."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=(now or timezone.now()) - TTL).delete()
    return deleted
