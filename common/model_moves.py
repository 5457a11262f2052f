"""Migration operations for moving a model from one app to another without copying its rows.

The recipe (used for people's and common's models): the old app renames the table
(`AlterModelTable`, a real and reversible `ALTER TABLE ... RENAME`), the new app declares the
model in state only (`SeparateDatabaseAndState`), other apps repoint their foreign keys in state
only (the database's constraints follow the renamed table), and the old app drops the model from
its state. `relabel_content_types` keeps permissions and admin history attached to the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import migrations


def _relabel(source: str, target: str, models: Sequence[str]) -> Any:
    def move(apps: Any, schema_editor: Any) -> None:
        ContentType = apps.get_model("contenttypes", "ContentType")
        rows = ContentType.objects.using(schema_editor.connection.alias)
        # A type the target already has (a partial earlier run) wins; the old one stays behind.
        taken = set(rows.filter(app_label=target).values_list("model", flat=True))
        rows.filter(app_label=source, model__in=set(models) - taken).update(app_label=target)

    return move


def relabel_content_types(source: str, target: str, models: Sequence[str]) -> migrations.RunPython:
    """Move the content types (and so the permissions) of `models` from app `source` to
    `target`; reversible."""
    return migrations.RunPython(_relabel(source, target, models), _relabel(target, source, models))


def state_only(
    *operations: migrations.operations.base.Operation,
) -> migrations.SeparateDatabaseAndState:
    """`operations` applied to Django's model state only: the tables are already right."""
    return migrations.SeparateDatabaseAndState(state_operations=list(operations))
