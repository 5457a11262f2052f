"""The outbox: changes to projected rows, written in the same transaction as the rows.

Each event names one element and carries its full current state (`upsert`) or its key
(`delete`), so projecting an event is idempotent and replaying the outbox gives the same result.
The app that owns a model registers how it is projected (`register`); its services call
`upserted` / `deleted`. A consumer (the graph's projection worker) reads events back, never in
the writer's request: on PostgreSQL every write NOTIFYs `CHANNEL` from its own transaction, so a
listening worker wakes once the events are visible.
An event's id is its position: later events about an element have higher ids. This module
knows no app.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, models

from common.models import OutboxEvent


@dataclass(frozen=True)
class Element:
    """How one model is projected: the element's name and the fields its properties copy."""

    name: str
    fields: tuple[str, ...]


# The LISTEN/NOTIFY channel of outbox inserts (`graph_sync --follow` listens on it).
CHANNEL = "campus_outbox"
ELEMENTS: dict[type[models.Model], Element] = {}


def register(model: type[models.Model], name: str, fields: tuple[str, ...]) -> None:
    """Declare that `model` is projected as element `name`; called from the owner's ready()."""
    ELEMENTS[model] = Element(name, fields)


def model_of(element: str) -> type[models.Model]:
    return next(model for model, spec in ELEMENTS.items() if spec.name == element)


def state(instance: models.Model) -> dict[str, Any]:
    """The properties the projection keeps for `instance`, keyed by its primary key.

    Times become ISO text here, to the microsecond: the JSON encoder would cut them to
    milliseconds, and the graph would then decide a few hundred microseconds differently.
    """
    spec = ELEMENTS[type(instance)]
    return {"id": instance.pk, **{name: _value(getattr(instance, name)) for name in spec.fields}}


def _value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def upserted(instance: models.Model) -> OutboxEvent:
    return _record(f"{ELEMENTS[type(instance)].name}.upsert", state(instance))


def deleted(instance: models.Model, pk: int | None = None) -> OutboxEvent:
    """Call with the pk saved before `instance.delete()` cleared it."""
    return _record(f"{ELEMENTS[type(instance)].name}.delete", {"id": pk or instance.pk})


def _record(kind: str, payload: dict[str, Any]) -> OutboxEvent:
    event = OutboxEvent.objects.create(kind=kind, payload=payload)
    if connection.vendor == "postgresql":  # one notification per transaction: PG folds repeats
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, '')", [CHANNEL])
    return event
