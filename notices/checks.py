"""System check: every notice event can be rendered (its three templates exist and parse)."""

from typing import Any

from django.core import checks
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template

from notices.events import PARTS, NoticeEvent


@checks.register()
def notice_templates_present(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for event in NoticeEvent:
        for part in PARTS:
            name = f"notices/{event.value}/{part}"
            try:
                get_template(name)
            except TemplateDoesNotExist:
                errors.append(
                    checks.Error(f"Notice event {event.value!r} has no template {name}.", id="notices.E001")
                )
            except TemplateSyntaxError as exc:
                errors.append(checks.Error(f"{name} does not parse: {exc}", id="notices.E002"))
    return errors
