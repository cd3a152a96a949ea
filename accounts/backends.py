"""Signing in with a user name and password, as Django's ModelBackend does, with one difference:
the signed-in person is loaded with what every page's header shows, their organisation and their
count of unread notices, in the one query that loads them."""

from typing import Any

from django.contrib.auth.backends import ModelBackend

from accounts.models import User
from notices.selectors import UNREAD_LOADED_AS, unread_count_column


class PasswordBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:  # type: ignore[override]
        try:
            user = (
                User._default_manager.select_related("organization")
                .annotate(**{UNREAD_LOADED_AS: unread_count_column()})
                .get(pk=user_id)
            )
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
