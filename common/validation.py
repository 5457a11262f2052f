"""Rules more than one app's services check, written once."""

from __future__ import annotations

from datetime import datetime

from django.db import models

from common.exceptions import ConflictError, ServiceError


def refuse_end_before_start(start: datetime, end: datetime | None, *, field: str) -> None:
    """Time windows are half-open [start, end): an end at or before the start is refused."""
    if end is not None and end <= start:
        raise ServiceError("The end must come after the start.", field=field, code="window")


def refuse_while_referenced(instance: models.Model) -> None:
    """Refuse to delete a row that other rows still refer to, whatever their `on_delete`: a
    cascade would take audited history with it, unaudited. The message lists what refers to it."""
    found = []
    for relation in instance._meta.related_objects:
        if relation.many_to_many:  # the project's m2m go through models, whose FK is listed too
            continue
        rows = relation.related_model._base_manager.filter(**{relation.field.name: instance})
        if number := rows.count():
            names = relation.related_model._meta
            found.append(
                f"{number} {names.verbose_name if number == 1 else names.verbose_name_plural}"
            )
    if found:
        raise ConflictError(
            f"{instance} cannot be deleted while other rows refer to it "
            f"({', '.join(found)}); end or remove those first.",
            code="referenced",
        )
