"""How each kind of object an event is about becomes the event's `data`: the object as the API
returns it. The API serializers live in higher layers (portal, contracts, inspections); they
register a builder here at start-up (portal.webhook_payloads), so this app imports none of them."""

from collections.abc import Callable
from typing import Any

from django.db import models

Builder = Callable[[Any], dict[str, Any]]
_BUILDERS: dict[type[models.Model], Builder] = {}


def payload_builder_register(model: type[models.Model], builder: Builder) -> None:
    _BUILDERS[model] = builder


def payload_data(target: models.Model) -> dict[str, Any]:
    builder = _BUILDERS.get(type(target))
    if builder is None:
        raise LookupError(f"No webhook payload for {type(target).__name__}")
    return builder(target)
