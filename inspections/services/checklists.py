"""Publishing a vendor's checklist: every change is a new version; a published one never changes."""

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify

from accounts.models import User
from accounts.permissions import action_require
from common.errors import InvalidInput
from inspections.models import ChecklistVersion
from relicensing.models import Vendor

MAX_ITEMS = 50
MAX_TEXT = 200


@transaction.atomic
def checklist_publish(
    *, vendor: Vendor, user: User, items: Sequence[dict[str, Any]], note: str = ""
) -> ChecklistVersion:
    """Publish the next version of a vendor's checklist. `items`: [{"text", "required", "key"?}];
    an item's key is the one given (an edited item keeps its key, so answers compare across
    versions) or comes from its text."""
    action_require(user, "checklist_publish")
    Vendor.objects.select_for_update().filter(pk=vendor.pk).exists()  # one publisher at a time
    cleaned = checklist_items_clean(items)
    number = (ChecklistVersion.objects.filter(vendor=vendor).aggregate(n=Max("version"))["n"] or 0) + 1
    return ChecklistVersion.objects.create(
        vendor=vendor, version=number, items=cleaned, note=note.strip()[:200], published_by=user
    )


def checklist_items_clean(items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    errors: list[str] = []
    cleaned: list[dict[str, Any]] = []
    keys: set[str] = set()
    for position, item in enumerate(items, start=1):
        text = " ".join(str(item.get("text", "")).split())
        if not text:
            continue
        if len(text) > MAX_TEXT:
            errors.append(f"Item {position} is longer than {MAX_TEXT} characters.")
            continue
        key = slugify(str(item.get("key") or text)).replace("-", "_")[:60] or f"item_{position}"
        if key in keys:
            errors.append(f"Item {position} ({text}) repeats another item.")
            continue
        keys.add(key)
        cleaned.append({"key": key, "text": text, "required": bool(item.get("required"))})
    if not cleaned and not errors:
        errors.append("A checklist has at least one item.")
    if len(cleaned) > MAX_ITEMS:
        errors.append(f"A checklist has at most {MAX_ITEMS} items.")
    if errors:
        raise InvalidInput({"items": errors})
    return cleaned
