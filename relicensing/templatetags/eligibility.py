"""Template filters that turn stored reason and path codes into the explanations people read."""

import functools
from typing import Any

from django import template
from django.utils.html import format_html, format_html_join

from relicensing.choices import Path
from relicensing.eligibility import PATHS, REASONS, Explanation

register = template.Library()


def _reason(code: str) -> Explanation:
    # A code added to the rules before its wording still shows, rather than breaking the page.
    return REASONS.get(code, Explanation(code.replace("_", " ").capitalize(), "", ""))


@register.filter
def reason_title(code: str) -> str:
    return _reason(code).title


@register.filter
def reasons_explained(codes: list[Any]) -> list[tuple[str, Explanation]]:
    """Codes with their explanations; pairs already explained (a page's own wording) pass as they are."""
    return [code if isinstance(code, tuple) else (code, _reason(code)) for code in codes or []]


@register.filter
def path_explained(path: str) -> Explanation:
    return PATHS.get(path, PATHS["none"])


@register.filter
def path_label(path: str) -> str:
    """The short name of a path, for a table cell beside the eligible badge."""
    return Path(path).label if path in Path.values else path


@register.simple_tag
def eligibility_badge(eligible: bool, path: str | None = None, reasons: list[str] | None = None) -> str:
    """The eligible / not eligible badge, with the path and each reason by its title: once per row
    of a list of hundreds, so built here rather than through an included template, and once per
    combination (a page holds a few)."""
    return _badge(bool(eligible), path or "", tuple(reasons or ()))


@functools.lru_cache(maxsize=512)
def _badge(eligible: bool, path: str, reasons: tuple[str, ...]) -> str:
    kind, word = ("badge-ok", "Eligible") if eligible else ("badge-danger", "Not eligible")
    return format_html(
        '<span class="badge {}">{}</span>{}{}',
        kind,
        word,
        format_html(' <span class="muted small">{}</span>', path_label(path))
        if path and path != Path.NONE
        else "",
        format_html_join(
            "", ' <span class="badge" title="{}">{}</span>', ((c, reason_title(c)) for c in reasons)
        ),
    )
