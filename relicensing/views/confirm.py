"""The confirmation step before an action that cannot be undone (cancel, reject, accept a quote)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def confirm_page(
    request: HttpRequest,
    *,
    title: str,
    consequence: str,
    action: str,
    cancel_url: str,
    action_class: str = "btn-danger",
    details: list[tuple[str, str]] | None = None,
) -> HttpResponse:
    """Ask once more, re-posting the same fields with `confirmed` set."""
    fields = [(k, v) for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "confirmed")]
    context = {
        "title": title,
        "consequence": consequence,
        "action": action,
        "action_class": action_class,
        "details": details or [],
        "fields": fields,
        "cancel_url": cancel_url,
    }
    return render(request, "relicensing/confirm.html", context)
