"""Signing in with a user name and password, as Django's ModelBackend does, with one difference:
the signed-in person is loaded with their organisation, which every page shows in its header."""

from typing import Any

from django.contrib.auth.backends import ModelBackend

from accounts.models import User


class PasswordBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:  # type: ignore[override]
        try:
            user = User._default_manager.select_related("organization").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
