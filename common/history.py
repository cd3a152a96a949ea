"""The history of the programme's rules: which changes are kept, and reading them back as
"who changed what, when, from what to what"."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pghistory
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from pghistory.models import Events

# Vendor policy, products, SKUs and which products a SKU prices keep a row per insert, change and
# deletion, written by a database trigger (so the admin, the API and a shell all leave one), with
# the signed-in user and the URL of the request that made it (pghistory.middleware.HistoryMiddleware).
BASELINE = "baseline"


# A function, not a constant: a tracker binds to the model it is given, so each model needs its own.
def price_book_trackers() -> tuple[pghistory.Tracker, ...]:
    return (
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        # The state of each row when history began (written once, by the migration that began it).
        pghistory.ManualEvent(BASELINE),
    )


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Change:
    event_id: int
    at: dt.datetime
    what: str  # "SKU #19", "product the SKU applies to #21"
    label: str  # insert, update, delete, baseline
    by: str  # the user's name, or how the change was made when no one was signed in
    url: str
    fields: list[FieldChange]


def history_of(obj: models.Model, *, including_references: bool = False, limit: int = 200) -> list[Change]:
    """The changes to `obj`, newest first: its own events and, with `including_references`, the
    events of tracked rows that point at it (a SKU's product links, say). Values read as on the
    record's page: field names as labelled there, related rows by name, money to the cent."""
    events = Events.objects.references(obj) if including_references else Events.objects.tracks(obj)
    rows = list(events.order_by("-pgh_created_at", "-pgh_id")[:limit])
    user_ids = [user for row in rows if (user := (row.pgh_context or {}).get("user")) is not None]
    names = {
        user.pk: user.get_full_name() or user.get_username()
        for user in get_user_model().objects.filter(pk__in=user_ids)
    }
    related = _related_names(rows)
    return [_change(row, names=names, related=related) for row in rows]


def _related_names(rows: list[Events]) -> dict[tuple[type[models.Model], Any], str]:
    """Every row a snapshot points at, by name, in one query per related model."""
    wanted: dict[type[models.Model], set[Any]] = {}
    for row in rows:
        model = apps.get_model(row.pgh_obj_model)
        for field in model._meta.concrete_fields:
            value = (row.pgh_data or {}).get(field.attname)
            if field.is_relation and value is not None:
                wanted.setdefault(field.related_model, set()).add(value)
    return {
        (related_model, pk): str(instance)
        for related_model, pks in wanted.items()
        for pk, instance in related_model._default_manager.in_bulk(pks).items()
    }


def _change(
    row: Events, *, names: dict[int, str], related: dict[tuple[type[models.Model], Any], str]
) -> Change:
    context = row.pgh_context or {}
    user = context.get("user")
    if user is not None:
        by = names.get(user, f"user #{user} (since removed)")
    elif context.get("url"):
        by = "nobody signed in"
    else:
        by = "a command or migration, outside the portal"
    model = apps.get_model(row.pgh_obj_model)
    data = row.pgh_data or {}
    if row.pgh_label == "update":
        pairs = {name: (values[0], values[1]) for name, values in (row.pgh_diff or {}).items()}
    elif row.pgh_label == "delete":
        pairs = {name: (value, None) for name, value in data.items()}
    else:  # insert, baseline: the whole row as it then stood
        pairs = {name: (None, value) for name, value in data.items()}
    fields = []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.attname not in pairs:
            continue
        before, after = pairs[field.attname]
        fields.append(
            FieldChange(
                field=str(field.verbose_name),
                before=_shown(field, before, related),
                after=_shown(field, after, related),
            )
        )
    return Change(
        event_id=row.pgh_id,
        at=row.pgh_created_at,
        what=f"{model._meta.verbose_name} #{row.pgh_obj_id}",
        label=row.pgh_label,
        by=by,
        url=context.get("url", ""),
        fields=fields,
    )


def _shown(field: models.Field, value: Any, related: dict[tuple[type[models.Model], Any], str]) -> str | None:
    if value is None:
        return None
    if field.is_relation:
        assert field.related_model is not None and not isinstance(field.related_model, str)
        return related.get((field.related_model, value), f"#{value} (since removed)")
    if isinstance(field, models.DecimalField):
        # The snapshot is JSON, so 2100.00 comes back as the float 2100.0: show it as the column holds it.
        return f"{Decimal(str(value)):.{field.decimal_places}f}"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def baseline_write(*pairs: tuple[str, str]):  # type: ignore[no-untyped-def]
    """A migration operation: one `baseline` history row per existing row of each tracked model
    (`("app.Model", "app.ModelEvent")`), so every row has a known state from the day its history
    began, and a quote can name the SKU state it was priced from."""
    from django.db import migrations

    def write(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
        for tracked_label, event_label in pairs:
            tracked, event = apps.get_model(tracked_label), apps.get_model(event_label)
            columns = [field.column for field in tracked._meta.concrete_fields]
            quote = schema_editor.quote_name
            # Identifiers only, from the models' own metadata, each quoted; the one value is a parameter.
            schema_editor.execute(
                f"INSERT INTO {quote(event._meta.db_table)} "  # noqa: S608
                f"(pgh_created_at, pgh_label, pgh_obj_id, {', '.join(quote(c) for c in columns)}) "
                f"SELECT now(), %s, {quote(tracked._meta.pk.column)}, {', '.join(quote(c) for c in columns)} "
                f"FROM {quote(tracked._meta.db_table)}",
                [BASELINE],
            )

    return migrations.RunPython(write, migrations.RunPython.noop)
