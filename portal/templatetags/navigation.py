"""`{% main_navigation %}`: the main menu of base.html (portal.navigation)."""

from typing import Any

from django import template

from portal import navigation

register = template.Library()


@register.inclusion_tag("_main_navigation.html", takes_context=True)
def main_navigation(context: dict[str, Any]) -> dict[str, Any]:
    request = context["request"]
    match = request.resolver_match
    return {
        "links": navigation.main_navigation(request.user, match.url_name or "" if match else ""),
        "unread_notice_count": context.get("unread_notice_count"),
    }
