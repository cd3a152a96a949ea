"""System checks: every record with a workflow has a status field that matches its table; the
broker keeps a task longer than it can run or wait for a retry."""

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import checks

from common import schedule
from common.workflow import WorkflowModel, WorkflowQuerySet


@checks.register()
def workflows_consistent(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for model in apps.get_models():
        if not issubclass(model, WorkflowModel):
            continue
        workflow = model.workflow
        field = model._meta.get_field("status")
        label = model._meta.label
        if {value for value, _ in field.choices or []} != set(workflow.statuses.values):  # type: ignore[union-attr]
            errors.append(checks.Error(f"{label}.status choices differ from its workflow.", id="common.E001"))
        if field.default != workflow.initial or field.editable:  # type: ignore[union-attr]
            errors.append(
                checks.Error(
                    f"{label}.status must default to {workflow.initial!r} and be editable=False.",
                    id="common.E002",
                )
            )
        for manager in (model._default_manager, model._base_manager):
            if not isinstance(manager.all(), WorkflowQuerySet):
                errors.append(
                    checks.Error(
                        f"{label}'s default and base managers must use a WorkflowQuerySet "
                        '(Meta.base_manager_name = "objects").',
                        id="common.E003",
                    )
                )
                break
    return errors


@checks.register()
def broker_outlasts_tasks(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Redis hands an unacknowledged task to another worker after the visibility timeout: it must
    outlast the longest a task may run and the longest a retry waits in the broker, or one task
    would run twice at once."""
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    longest = max(settings.CELERY_TASK_TIME_LIMIT, schedule.RETRY_BACKOFF_MAX)
    if timeout <= longest:
        return [
            checks.Error(
                f"The broker's visibility_timeout ({timeout} s) must exceed the longest task run or "
                f"retry delay ({longest} s).",
                id="common.E004",
            )
        ]
    return []
