"""System checks: every record with a workflow has a status field that matches its table."""

from typing import Any

from django.apps import apps
from django.core import checks

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
