"""Template context: the signed-in user's count of unread notices, for the navigation bar."""

from typing import Any

from django.http import HttpRequest

from notices.selectors import unread_count


def unread_notices(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notice_count": unread_count(user=user)}
