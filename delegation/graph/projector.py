"""The outbox projector: turns outbox events (or SQL rows) into batched Cypher statements.

It only builds statements and parameters; a `Runner` executes them (the Neo4j backend's), so
the translation is testable without a Neo4j server. Events are applied in outbox order,
consecutive events of the same kind in one UNWIND statement.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from itertools import groupby
from typing import Any, cast

from django.db import models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from common import outbox
from common.models import OutboxEvent
from delegation import selectors
from delegation.graph.neo4j.cypher_sync import DELETE, UPSERT

Runner = Callable[[str, dict[str, Any]], Any]
Statement = tuple[str, dict[str, Any]]
TIME_FIELDS = ("valid_from", "valid_to", "expires_at", "revoked_at")
# Parents before children, so a rebuild MERGEs edges onto nodes that already have properties.
REBUILD_ORDER = [
    "unit",
    "person",
    "reporting_line",
    "permission",
    "role",
    "role_permission",
    "role_inheritance",
    "assignment",
    "delegation",
]


def epoch(value: str | datetime | None) -> float | None:
    """Epoch seconds for a payload time (ISO text in the outbox, datetime from SQL)."""
    if value is None:
        return None
    # Outbox payloads hold the ISO text DjangoJSONEncoder wrote, which always parses.
    moment = cast(datetime, parse_datetime(value)) if isinstance(value, str) else value
    return moment.timestamp()


def graph_row(element: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The properties a graph element gets from its outbox payload."""
    row = dict(payload)
    for name in TIME_FIELDS:
        if name in row:
            row[name] = epoch(row[name])
    if element == "person":
        row["name"] = f"{row.pop('given_name')} {row.pop('family_name')}"
    if element == "delegation":
        role_id = row.get("role_id")
        row["grant"] = f"r:{role_id}" if role_id else f"p:{row['permission_id']}"
    return row


def statements(events: Iterable[tuple[str, dict[str, Any]]]) -> Iterator[Statement]:
    """One statement per run of consecutive events with the same kind (`element.action`)."""
    for kind, group in groupby(events, key=lambda event: event[0]):
        element, action = kind.split(".")
        payloads = [payload for _, payload in group]
        if action == "upsert":
            yield UPSERT[element], {"rows": [graph_row(element, p) for p in payloads]}
        else:
            yield DELETE[element], {"ids": [p["id"] for p in payloads]}


def drain(run: Runner, batch: int = 500) -> int:
    """Project pending outbox events, oldest first; returns how many were applied.

    Rows are locked with SKIP LOCKED, so two drains never apply the same batch; a failure
    leaves the batch pending for the next run (projection is idempotent, so a retry is safe).
    """
    applied = 0
    while True:
        with transaction.atomic():
            pending = selectors.outbox_pending_for_update(limit=batch)
            if not pending:
                return applied
            for statement, params in statements((e.kind, e.payload) for e in pending):
                run(statement, params)
            OutboxEvent.objects.filter(pk__in=[e.pk for e in pending]).update(
                processed_at=timezone.now()
            )
            applied += len(pending)


def rebuild_statements(chunk: int = 2000) -> Iterator[Statement]:
    """Upserts for every row of the system of record, in REBUILD_ORDER, `chunk` rows at a time."""
    for element in REBUILD_ORDER:
        model: type[models.Model] = outbox.model_of(element)
        rows = (
            outbox.state(instance)
            for instance in model._default_manager.order_by("pk").iterator(chunk)
        )
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(graph_row(element, row))
            if len(batch) == chunk:
                yield UPSERT[element], {"rows": batch}
                batch = []
        if batch:
            yield UPSERT[element], {"rows": batch}
