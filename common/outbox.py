"""The outbox: changes to projected rows, written in the same transaction as the rows.

Each event names one element and carries its full current state (`upsert`) or its key
(`delete`), so projecting an event is idempotent and replaying the outbox gives the same result.
The app that owns a model registers how it is projected (`register`); its services call
`upserted` / `deleted`. A consumer (the graph's projection worker) reads events back, never in
the writer's request: on PostgreSQL every write NOTIFYs `CHANNEL` from its own transaction, so a
listening worker wakes once the events are visible.
An event's id is its position: later events about an element have higher ids. This module
knows no app.

Consistency tokens: a position is what a writer hands back to its caller (the API's
`Consistency-Token` header, `committed_position`), so that a later read can ask for a store at
least that fresh. Ids come from a sequence, so they are allocated in insert order, not commit
order: an uncommitted transaction may hold a lower id than a committed one, and a rolled-back
one leaves a gap forever. So that a consumer can tell the two apart, every writer holds
`WRITER_LOCK` (a shared PostgreSQL advisory lock, until its transaction ends) from before its
first id is allocated: an id no writer can still hold is either visible or never will be
(`settled_horizon` in the graph's projector reads the holders).
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, models, transaction

from common.models import OutboxEvent


@dataclass(frozen=True)
class Element:
    """How one model is projected: the element's name and the fields its properties copy."""

    name: str
    fields: tuple[str, ...]


# The LISTEN/NOTIFY channel of outbox inserts (`graph_sync --follow` listens on it).
CHANNEL = "campus_outbox"
# The shared advisory lock every transaction writing outbox events holds (see the module doc).
WRITER_LOCK = 0x6F75_7462_6F78
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
    if connection.vendor == "postgresql":
        # Before the insert allocates the id: the writer lock must cover it. The NOTIFY goes
        # out at commit wherever it is sent; PG folds a transaction's repeats into one.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock_shared(%s)::text, pg_notify(%s, '')",
                [WRITER_LOCK, CHANNEL],
            )
    event = OutboxEvent.objects.create(kind=kind, payload=payload)
    position = event.pk
    transaction.on_commit(lambda: _note_committed(position))
    return event


# The newest position committed in this context (a request, a command): its consistency token.
_committed: ContextVar[int | None] = ContextVar("outbox_committed", default=None)


def _note_committed(position: int) -> None:
    _committed.set(max(position, _committed.get() or 0))


def committed_position() -> int | None:
    """The newest outbox position this context committed since `forget_committed`: the
    consistency token of its writes (None when it wrote nothing projected)."""
    return _committed.get()


def forget_committed() -> None:
    _committed.set(None)


def top_position() -> int:
    """The newest position visible now (0 for an empty outbox)."""
    newest = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first()
    return newest or 0


def token(position: int) -> str:
    """A position as a consistency token: opaque to clients, today the event id in decimal."""
    return str(position)
