"""Page plumbing every app's pages share: an action's address that only a POST performs."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from common.errors import InvalidInput

View = Callable[..., HttpResponse]


def post_only(holder: str, *, anchor: str = "") -> Callable[[View], View]:
    """An action's address: a POST performs it; opened any other way (the back button, a new
    tab, a bookmark) it leads to the page that holds the action, named `holder`, with the same
    id (or to the page the form came from, if it said), at `anchor`, instead of a bare 405."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method == "POST":
                return view(request, *args, **kwargs)
            messages.info(request, "That address performs an action; use the button on this page to do it.")
            back = request.GET.get("next", "")
            if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
                return redirect(back)
            return redirect(_holder_url(holder, kwargs) + anchor)

        return wrapper

    return decorator


def _holder_url(url_name: str, kwargs: dict[str, Any]) -> str:
    """The holder's address with the action's ids it takes: all of them, the object's own (`pk`
    or `number`), or none."""
    from django.urls import NoReverseMatch, reverse

    own = {name: kwargs[name] for name in ("pk", "number") if name in kwargs}
    for candidate in (kwargs, own, {}):
        try:
            return reverse(url_name, kwargs=candidate)
        except NoReverseMatch:
            continue
    raise NoReverseMatch(url_name)


def errors_onto(form: BaseForm, exc: InvalidInput, renames: dict[str, str] | None = None) -> None:
    """A service's field errors beside the form's fields (renamed where the form calls a field
    otherwise); an error on a field the form does not have shows above the form."""
    for field, errors in exc.fields.items():
        field = (renames or {}).get(field, field)
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
