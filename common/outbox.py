"""The outbox: changes to projected rows, written in the same transaction as the rows.

Each event names one element and carries its full current state (`upsert`) or its key
(`delete`), so projecting an event is idempotent and replaying the outbox gives the same result.
The app that owns a model registers how it is projected (`register`); its services call
`upserted` / `deleted`. A consumer (the graph's projector) reads events back and may ask to be
told after each commit that wrote some (`on_commit`). This module knows no app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction

from common.models import OutboxEvent


@dataclass(frozen=True)
class Element:
    """How one model is projected: the element's name and the fields its properties copy."""

    name: str
    fields: tuple[str, ...]


ELEMENTS: dict[type[models.Model], Element] = {}
_after_commit: list[Callable[[], None]] = []


def register(model: type[models.Model], name: str, fields: tuple[str, ...]) -> None:
    """Declare that `model` is projected as element `name`; called from the owner's ready()."""
    ELEMENTS[model] = Element(name, fields)


def model_of(element: str) -> type[models.Model]:
    return next(model for model, spec in ELEMENTS.items() if spec.name == element)


def on_commit(callback: Callable[[], None]) -> None:
    """Run `callback` after every commit that wrote outbox events (registered once, at ready)."""
    if callback not in _after_commit:
        _after_commit.append(callback)


def state(instance: models.Model) -> dict[str, Any]:
    """The properties the projection keeps for `instance`, keyed by its primary key."""
    spec = ELEMENTS[type(instance)]
    return {"id": instance.pk, **{name: getattr(instance, name) for name in spec.fields}}


def upserted(instance: models.Model) -> OutboxEvent:
    return _record(f"{ELEMENTS[type(instance)].name}.upsert", state(instance))


def deleted(instance: models.Model, pk: int | None = None) -> OutboxEvent:
    """Call with the pk saved before `instance.delete()` cleared it."""
    return _record(f"{ELEMENTS[type(instance)].name}.delete", {"id": pk or instance.pk})


def _record(kind: str, payload: dict[str, Any]) -> OutboxEvent:
    event = OutboxEvent.objects.create(kind=kind, payload=payload)
    for callback in _after_commit:
        transaction.on_commit(callback)
    return event
