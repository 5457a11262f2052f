"""The audit log: one append-only entry per write, in the same transaction as the write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.db import models

from common.actors import Actor, user_of
from common.models import AuditEntry

Snapshot = Callable[[models.Model], dict[str, Any]]
# Extra state a model's snapshot carries beyond its columns (a role's grants): registered by the
# app that owns the model, so this module needs no knowledge of any app.
_EXTRA: dict[type[models.Model], Snapshot] = {}

_M = TypeVar("_M", bound=models.Model)


def register_snapshot_extra(model: type[_M], extra: Callable[[_M], dict[str, Any]]) -> None:
    # cast: `snapshot` calls it only with instances of exactly `model` (looked up by type).
    _EXTRA[model] = cast(Snapshot, extra)


def snapshot(instance: models.Model) -> dict[str, Any]:
    """Every column of `instance` (plus what its app registered), as the audit log keeps it."""
    data = {
        field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields
    }
    extra = _EXTRA.get(type(instance))
    if extra and instance.pk:
        data.update(extra(instance))
    return data


def audit_record(
    *, actor: Actor, action: str, instance: models.Model, before: dict[str, Any] | None
) -> AuditEntry:
    """Append the entry for `action` on `instance`; `before` is its snapshot before the write
    (None on create). Call inside the write's transaction, after the write."""
    after = None if action == AuditEntry.Action.DELETE else snapshot(instance)
    entity_id = instance.pk if instance.pk is not None else (before or {})["id"]
    return AuditEntry.objects.create(
        actor=user_of(actor),
        action=action,
        entity=str(instance._meta.model_name),
        entity_id=entity_id,
        object_repr=str(instance)[:200],
        before=before,
        after=after,
    )
