"""The write shape every audited row of a simple table shares (the library's catalogue and
members, the school's timetable): validate, write, audit, in the caller's transaction. Deletes
refused by a protecting foreign key become a `ConflictError` in words."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.db.models.deletion import ProtectedError

from common.actors import Actor
from common.audit import audit_record, snapshot
from common.exceptions import ConflictError
from common.models import AuditEntry

M = TypeVar("M", bound=models.Model)


def saved(instance: M) -> M:
    instance.full_clean()
    instance.save()
    return instance


def audited(actor: Actor, instance: M, before: dict[str, Any] | None) -> M:
    """Append the audit entry of the write to `instance` (`before` None: a new row)."""
    action = AuditEntry.Action.CREATE if before is None else AuditEntry.Action.UPDATE
    audit_record(actor=actor, action=action, instance=instance, before=before)
    return instance


def created(actor: Actor, instance: M) -> M:
    return audited(actor, saved(instance), None)


def updated(actor: Actor, instance: M, fields: dict[str, Any]) -> M:
    before = snapshot(instance)
    for name, value in fields.items():
        setattr(instance, name, value)
    return audited(actor, saved(instance), before)


def deleted(actor: Actor, instance: models.Model) -> None:
    """Delete `instance` with its audit entry (rows cascading from it are part of its snapshot)."""
    before = snapshot(instance)
    try:
        instance.delete()
    except ProtectedError as error:
        raise _in_use(instance, error) from None
    audit_record(actor=actor, action=AuditEntry.Action.DELETE, instance=instance, before=before)


def _in_use(instance: models.Model, error: ProtectedError) -> ConflictError:
    kinds = sorted({str(row._meta.verbose_name_plural) for row in error.protected_objects})
    name = str(instance._meta.verbose_name).capitalize()
    return ConflictError(
        f"{name} {instance} cannot be deleted: {', '.join(kinds)} still refer to it.",
        code="in_use",
    )
