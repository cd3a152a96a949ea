"""API keys (django-rest-knox), checked without reading the caller's other keys.

knox's TokenAuthentication deletes the user's expired keys on every call, reading each key the user
holds to find them: a partner integration that takes a key per job paid for hundreds of rows on each
request. Here a call checks its own key alone, and an expired key is refused; the
`api-keys-expired-delete` job deletes expired keys in one statement every hour (common/schedule.py).
(knox's own delete of a refused key was undone anyway: a refused request's transaction rolls back.)
"""

from typing import Any

from django.utils import timezone
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication


class TokenAuthentication(KnoxTokenAuthentication):
    def _cleanup_token(self, auth_token: Any) -> bool:
        """Whether the presented key has expired (knox then refuses it); other keys are not read."""
        return auth_token.expiry is not None and auth_token.expiry < timezone.now()


class TokenScheme(KnoxTokenScheme):
    """The schema names these keys as it names knox's (drf-spectacular's own extension)."""

    target_class = "accounts.authentication.TokenAuthentication"
