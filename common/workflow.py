"""The transition engine: every status change of every record with a lifecycle goes through here.

A record's `Workflow` is declared beside its status choices: the statuses, the moves allowed
from each, the notice each move sends, and, for a child record such as a quote, what becomes
of it when its parent closes. `transition()` is the only writer of a status. It locks, checks
the table, writes the status and one `common.Transition` row (actor, time, from, to, reason),
moves the children the table says follow, and writes the notice, all in one transaction.
Nothing else may set a status: `WorkflowModel.save()` and `WorkflowQuerySet.update()` refuse.

Lock order. A service that changes more than one row takes its locks in this order, so two
services never wait on each other in a circle (accepting a quote while a partner re-issued it
used to deadlock: one locked the request then the quote, the other the quote then the request):
  1. the request (`select_for_update()`),
  2. its children, each kind by primary key: quotes, inspections, purchase orders, contracts,
  3. catalog rows whose facts are read or changed: products (`relicensing.locks`), by id,
  4. the units concerned: serial locks (`relicensing.locks`), in ascending key order,
  5. rows keyed by serial: equipment, holds, registrations.
`transition()` keeps it by itself: moving a child first locks its parent, and a parent's
cascade reaches its children only once the parent is locked. Inspections then lock the
inspector's row (`inspections`) before units: booking one inspector's day is serialised there.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.apps import apps
from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connection, models, transaction
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.module_loading import import_string

from common.arrays import ids_array, texts_array
from common.errors import Conflict

if TYPE_CHECKING:
    from common.models import Transition

ANY = "*"  # in a notice table: a move into this status from any status


class StatusWriteRefused(RuntimeError):
    """A programming error: a status was set outside `transition()`."""


@dataclass(frozen=True)
class Workflow:
    statuses: type[TextChoices]
    initial: str
    moves: Mapping[str, frozenset[str]]
    # (from, to) -> notice event; `from` may be ANY; ("", initial) is the record's creation.
    notices: Mapping[tuple[str, str], str] = field(default_factory=dict)
    # Dotted path of `f(record, *, event, transition, context, target)` that writes the notices.
    notify: str = ""
    # A child record: the name of its foreign key to the parent, and, by the parent's new
    # status, the status this record moves to (when its own table allows that move).
    parent: str = ""
    follows_parent: Mapping[str, str] = field(default_factory=dict)
    # A child record opened when its parent enters `opened_by`: the dotted path of
    # `f(parent, *, actor)` that creates it (an inspection opens when its request's quote is
    # accepted). Declared on the child, so the parent's app needs no import of the child's.
    opened_by: str = ""
    opener: str = ""
    # Dotted path of `f(record, *, transition)` told of every move made one at a time (a
    # request's webhooks); set-based sweeps (`transitions_sweep`) do not call it.
    observe: str = ""

    def __post_init__(self) -> None:
        known = set(self.statuses.values)
        table = set(self.moves) | {to for onward in self.moves.values() for to in onward}
        if table - known or set(self.moves) != known:
            raise ValueError(f"{self.statuses.__name__}: every status needs a row, and only statuses")
        if bool(self.opened_by) != bool(self.opener) or (self.opened_by and not self.parent):
            raise ValueError(f"{self.statuses.__name__}: `opened_by` needs an `opener` and a `parent`")

    def allows(self, from_status: str, to_status: str) -> bool:
        return to_status in self.moves.get(from_status, frozenset())

    @property
    def closed(self) -> frozenset[str]:
        """Statuses nothing leaves."""
        return frozenset(status for status, onward in self.moves.items() if not onward)

    @property
    def open(self) -> frozenset[str]:
        return frozenset(self.moves) - self.closed

    def label(self, status: str) -> str:
        return str(self.statuses(status).label)

    def notice_for(self, from_status: str, to_status: str) -> str | None:
        return self.notices.get((from_status, to_status)) or self.notices.get((ANY, to_status))


class WorkflowQuerySet(models.QuerySet):
    """Refuses to write a status in bulk; `transition()` writes through `_status_write`."""

    def update(self, **kwargs: Any) -> int:
        if "status" in kwargs:
            raise StatusWriteRefused("Statuses change through common.workflow.transition() only.")
        return super().update(**kwargs)

    def bulk_update(self, objs: Any, fields: Any, *args: Any, **kwargs: Any) -> int:
        if "status" in fields:
            raise StatusWriteRefused("Statuses change through common.workflow.transition() only.")
        return super().bulk_update(objs, fields, *args, **kwargs)

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> Any:
        objs = list(objs)
        initial = self.model.workflow.initial  # type: ignore[attr-defined]
        if any(obj.status != initial for obj in objs):
            raise StatusWriteRefused(f"New records start {initial}.")
        return super().bulk_create(objs, *args, **kwargs)

    def _status_write(self, status: str, **fields: Any) -> int:
        return super().update(status=status, **fields)


class WorkflowModel(models.Model):
    """A record with a lifecycle. Subclasses declare `workflow`, a `status` field, a manager on a
    WorkflowQuerySet and `base_manager_name = "objects"` (the system check holds them to it)."""

    workflow: ClassVar[Workflow]
    status: Any
    transitions = GenericRelation(
        "common.Transition", content_type_field="target_type", object_id_field="target_id"
    )

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Insert in the first status; afterwards write every field but the status, so even an
        instance loaded before a transition cannot put its old status back."""
        status = self.__dict__.get("status")
        if self._state.adding:
            if status != self.workflow.initial:
                raise StatusWriteRefused(
                    f"A new {self._meta.verbose_name} starts {self.workflow.initial}; "
                    "move it on with common.workflow.transition()."
                )
            super().save(*args, **kwargs)
            self._status_loaded = status
            return
        fields = kwargs.get("update_fields")
        if status != getattr(self, "_status_loaded", status) or (fields is not None and "status" in fields):
            raise StatusWriteRefused("Statuses change through common.workflow.transition() only.")
        if fields is None:
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name != "status"
            ]
        super().save(*args, **kwargs)

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        super().refresh_from_db(*args, **kwargs)
        self._status_loaded = self.__dict__.get("status")

    @classmethod
    def from_db(cls, *args: Any, **kwargs: Any) -> Self:
        record = super().from_db(*args, **kwargs)
        record._status_loaded = record.__dict__.get("status")
        return record


def transition(
    record: WorkflowModel,
    *,
    to: str,
    actor: Any = None,
    reason: str = "",
    expected_from: str | None = None,
    context: Mapping[str, Any] | None = None,
    target: models.Model | None = None,
) -> "Transition | None":
    """Move `record` to `to` and record it; 409 `invalid_transition` when its table forbids it.

    With `expected_from` (sweeps), the move is a compare-and-set: a record no longer in that
    status is left alone and None comes back, so overlapping runs move each record once.
    `context` and `target` go to the notice of this edge (`target`: what it is about, when not
    the record itself, such as the quote a request's `quoted` notice announces).
    """
    workflow = record.workflow
    with transaction.atomic():
        if workflow.parent:
            _lock_parent(record)
        locked = type(record)._base_manager.select_for_update().get(pk=record.pk)
        current = locked.status
        if expected_from is not None and current != expected_from:
            return None
        if not workflow.allows(current, to):
            noun = str(record._meta.verbose_name).capitalize()
            raise Conflict(
                f"{noun} {locked} is {workflow.label(current).lower()}; it cannot become "
                f"{workflow.label(to).lower()}.",
                code="invalid_transition",
                status=current,
            )
        extra = {"updated_at": timezone.now()} if _has_field(type(record), "updated_at") else {}
        WorkflowQuerySet(model=type(record)).filter(pk=record.pk)._status_write(to, **extra)
        for instance in (record, locked):
            instance.__dict__.update(status=to, _status_loaded=to, **extra)
        moved = _record(locked, current, to, actor=actor, reason=reason)
        _children_follow(locked, actor=actor, reason=reason)
        _notify(locked, moved, context=context, target=target)
        _observe(locked, moved)
        return moved


def transition_start(
    record: WorkflowModel,
    *,
    actor: Any = None,
    reason: str = "",
    context: Mapping[str, Any] | None = None,
    target: models.Model | None = None,
) -> "Transition":
    """Record the creation of a record (from nothing to its initial status) and its notice."""
    started = _record(record, "", record.workflow.initial, actor=actor, reason=reason)
    _notify(record, started, context=context, target=target)
    _observe(record, started)
    return started


def transitions_sweep(
    queryset: WorkflowQuerySet,
    *,
    expected_from: str,
    to: str,
    returning: Sequence[str] = ("id",),
    ids: Sequence[int] | None = None,
) -> list[tuple[Any, ...]]:
    """`transition()` for a sweep, set-based: every row of `queryset` still `expected_from` moves to
    `to` in one UPDATE ... RETURNING the `returning` columns of the rows it moved. `ids` narrows
    it to those rows, passed as one array (`id = ANY(...)`): a `pk__in` filter of a batch's
    thousands of ids costs Django more to prepare, value by value, than Postgres to run.

    Compare-and-set: the status condition sits on the updated row itself, so Postgres checks it
    again on a row another transaction changed while this one waited for it (an acceptance, an
    overlapping sweep), and each row moves once. The caller takes the locks `transition()` would
    (the parents first, in the lock order above), writes the moved rows' transition rows
    (`transitions_record`) and their notices. A move whose parent status moves or opens children
    is refused: those go one by one through `transition()`.
    """
    model: type[WorkflowModel] = queryset.model
    transitions_sweep_check(model, expected_from=expected_from, to=to)
    quote = connection.ops.quote_name
    try:
        condition, params = _rows_condition(queryset)
    except EmptyResultSet:  # `pk__in=[]`: nothing to move
        return []
    if ids is not None:
        condition = f"{condition} AND {quote(str(model._meta.pk.column))} = ANY(%s::bigint[])"  # type: ignore[union-attr]
        params = [*params, ids_array(ids)]
    sets, values = ["status = %s"], [to]  # type: list[str], list[Any]
    if _has_field(model, "updated_at"):
        sets.append("updated_at = %s")
        values.append(timezone.now())
    # Names from the model and its queryset's own SQL, values as parameters.
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET {', '.join(sets)} "  # noqa: S608
        f"WHERE {condition} AND status = %s "
        f"RETURNING {', '.join(quote(column) for column in returning)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, *params, expected_from])
        return cursor.fetchall()


def transitions_sweep_check(model: type[WorkflowModel], *, expected_from: str, to: str) -> None:
    """Refuse (ValueError, a programming error) a set-based move its workflow forbids, or one that
    would move or open children: what `transitions_sweep` checks, for a sweep that writes its
    moves in its own SQL statement."""
    if not model.workflow.allows(expected_from, to):
        raise ValueError(f"{model.__name__}: {expected_from} -> {to} is not in its workflow")
    if any(
        child.workflow.opened_by == to or to in child.workflow.follows_parent
        for child, _ in _child_models(model)
    ):
        raise ValueError(f"{model.__name__}: moving to {to} moves its children; use transition()")


def _rows_condition(queryset: models.QuerySet) -> tuple[str, list[Any]]:
    """The queryset's rows as a condition on its own table. A filter on the table's own columns
    is its WHERE clause as it stands (an index scan of the ids, as the queryset would run); one
    that joins other tables is `pk IN (subquery)` (which the planner may answer with a scan of
    the whole table, so sweeps filter on their own columns)."""
    query = queryset.order_by().query
    if len(query.alias_map) <= 1 and not query.is_sliced:
        try:
            where, params = query.get_compiler(connection=connection).compile(query.where)
        except FullResultSet:  # no filter: the caller's `ids` say which rows
            return "TRUE", []
        return f"({where or 'TRUE'})", list(params)
    selected, params = queryset.order_by().values("pk").query.sql_with_params()
    pk_column = connection.ops.quote_name(str(queryset.model._meta.pk.column))  # type: ignore[union-attr]
    return f"{pk_column} IN ({selected})", list(params)


def transitions_record(
    model: type[WorkflowModel],
    *,
    moved: Sequence[tuple[int, str]],
    from_status: str,
    to_status: str,
    actor: Any = None,
) -> dict[int, int]:
    """The transition rows of a set-based move (`transitions_sweep`), one per (record id, reason),
    in one INSERT ... SELECT: the same rows `transition()` writes one at a time. Returns
    {record id: transition id}, for the notices that name their transition as the occurrence."""
    if not moved:
        return {}
    sql = """
        INSERT INTO common_transition (target_type_id, target_id, from_status, to_status, actor_id, reason, at)
        SELECT %s::int, moved.id, %s, %s, %s::bigint, moved.reason, %s::timestamptz
        FROM unnest(%s::bigint[], %s::text[]) AS moved(id, reason)
        RETURNING target_id, id
    """
    target_type = ContentType.objects.get_for_model(model)
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                target_type.pk,
                from_status,
                to_status,
                getattr(actor, "pk", None),
                timezone.now(),
                ids_array(pk for pk, _ in moved),
                texts_array(reason for _, reason in moved),
            ],
        )
        return dict(cursor.fetchall())


def _record(
    record: WorkflowModel, from_status: str, to_status: str, *, actor: Any, reason: str
) -> "Transition":
    from common.models import Transition

    return Transition.objects.create(
        target=record, from_status=from_status, to_status=to_status, actor=actor, reason=reason
    )


def _lock_parent(record: WorkflowModel) -> None:
    relation = type(record)._meta.get_field(record.workflow.parent)
    parent_id = getattr(record, relation.attname)  # type: ignore[union-attr]
    relation.related_model._base_manager.select_for_update().filter(pk=parent_id).exists()  # type: ignore[union-attr]


def _children_follow(parent: WorkflowModel, *, actor: Any, reason: str) -> None:
    """Open the children this parent's new status opens, and move those whose workflow follows
    it (locked after the parent)."""
    for child_model, fk_name in _child_models(type(parent)):
        if child_model.workflow.opened_by == parent.status:
            import_string(child_model.workflow.opener)(parent, actor=actor)
        to = child_model.workflow.follows_parent.get(parent.status)
        if to is None:
            continue
        movable = [s for s in child_model.workflow.statuses.values if child_model.workflow.allows(s, to)]
        children = (
            child_model._base_manager.select_for_update()
            .filter(**{fk_name: parent.pk, "status__in": movable})
            .order_by("pk")
        )
        parent_label = parent.workflow.label(parent.status).lower()
        noun = str(parent._meta.verbose_name)
        for child in children:
            transition(child, to=to, actor=actor, reason=f"The {noun} was {parent_label}. {reason}".strip())


@cache
def _child_models(parent_model: type[models.Model]) -> list[tuple[type[WorkflowModel], str]]:
    found = []
    for model in apps.get_models():
        if issubclass(model, WorkflowModel) and model.workflow.parent:
            relation = model._meta.get_field(model.workflow.parent)
            if relation.related_model is parent_model:
                found.append((model, model.workflow.parent))
    return found


def _notify(
    record: WorkflowModel,
    moved: "Transition",
    *,
    context: Mapping[str, Any] | None,
    target: models.Model | None,
) -> None:
    workflow = record.workflow
    event = workflow.notice_for(moved.from_status, moved.to_status)
    if event is None:
        return
    notify: Callable[..., None] = import_string(workflow.notify)
    notify(record, event=event, transition=moved, context=dict(context or {}), target=target)


def _observe(record: WorkflowModel, moved: "Transition") -> None:
    if record.workflow.observe:
        import_string(record.workflow.observe)(record, transition=moved)


def _has_field(model: type[models.Model], name: str) -> bool:
    return any(f.name == name for f in model._meta.concrete_fields)
