"""Signing in with a user name and password, as Django's ModelBackend does, with one difference:
the signed-in person is loaded with what every page's header shows, their organisation and their
count of unread notices, in the one query that loads them."""

import functools
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import QuerySet

from accounts.models import User
from notices.selectors import UNREAD_LOADED_AS, unread_count_column


class PasswordBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:  # type: ignore[override]
        try:
            user = _users_loaded().get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


@functools.cache
def _users_loaded() -> QuerySet[User]:
    """Every person, with their organisation and unread count, resolved once per process: every
    page loads the person signed in, and resolving the count's subquery anew cost each page a
    quarter of loading them. Each load narrows a copy (`get`), so this one never holds a row."""
    return User._default_manager.select_related("organization").annotate(
        **{UNREAD_LOADED_AS: unread_count_column()}
    )
