"""The outbox projector: turns outbox events (or SQL rows) into batched Cypher statements.

It only builds statements and parameters; a `Runner` executes them (the Neo4j backend's), so
the translation is testable without a Neo4j server. Events are applied in outbox order,
consecutive events of the same kind in one UNWIND statement, each row carrying its outbox
position so that the graph keeps only the newest state of each element (`cypher_sync`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any, cast

from django.db import connection, models, transaction
from django.db.models import BigIntegerField, Max
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from common import outbox
from common.models import OutboxEvent
from delegation import selectors
from delegation.graph import watermark
from delegation.graph.base import micros
from delegation.graph.neo4j.cypher_sync import DELETE, UPSERT

Runner = Callable[[str, dict[str, Any]], Any]
# Opens one transaction in the graph store: a drained batch and its watermark commit together.
GraphTransaction = Callable[[], AbstractContextManager[Any]]
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


def epoch(value: str | datetime | None) -> int | None:
    """The graph's form of a payload time (ISO text in the outbox, datetime from SQL)."""
    if value is None:
        return None
    # Outbox payloads hold the ISO text DjangoJSONEncoder wrote, which always parses.
    return micros(cast(datetime, parse_datetime(value)) if isinstance(value, str) else value)


Event = tuple[str, dict[str, Any], int]  # kind (`element.action`), payload, outbox position
# The key of the PostgreSQL advisory lock every drain and rebuild holds: one drainer at a time.
DRAIN_LOCK = 0x6772_6170_6800


def graph_row(element: str, payload: dict[str, Any], position: int) -> dict[str, Any]:
    """The properties a graph element gets from its outbox payload, and its position."""
    row = dict(payload)
    for name in TIME_FIELDS:
        if name in row:
            row[name] = epoch(row[name])
    if element == "person":
        row["name"] = f"{row['given_name']} {row['family_name']}"
    if element == "delegation":
        role_id = row.get("role_id")
        row["grant"] = f"r:{role_id}" if role_id else f"p:{row['permission_id']}"
    row["pos"] = position
    return row


def statements(events: Iterable[Event]) -> Iterator[Statement]:
    """One statement per run of consecutive events with the same kind (`element.action`).

    Within a run only the newest event of each element is sent: an UNWIND applies each clause
    to every row before the next clause, so two states of one element in one statement would
    both leave their edges (a person moved twice in one batch ending in two units).
    """
    for kind, group in groupby(events, key=lambda event: event[0]):
        element, action = kind.split(".")
        newest = {payload["id"]: (payload, position) for _, payload, position in group}
        if action == "upsert":
            rows = [graph_row(element, payload, pos) for payload, pos in newest.values()]
            yield UPSERT[element], {"rows": rows}
        else:
            yield (
                DELETE[element],
                {"rows": [{"id": key, "pos": pos} for key, (_, pos) in newest.items()]},
            )


def _hold_drainer_lock(*, wait: bool) -> bool:
    """Take the drainers' advisory lock for this transaction (PostgreSQL; SQLite has a single
    writer already). Without `wait`, False when another drain or rebuild holds it."""
    if connection.vendor != "postgresql":
        return True
    function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s)::text", [DRAIN_LOCK])
        return cursor.fetchone()[0] != "false"


def _apply_pending(
    run: Runner, batch: int, *, advance: bool = True, atomic: GraphTransaction = nullcontext
) -> int:
    """Apply pending events batch by batch, each batch with its watermark in one graph
    transaction (`atomic`); with `advance`, raise the graph's watermark after each batch (also
    when nothing was pending: gaps may have settled since). A rebuild passes False: its
    snapshot is older than the horizon a batch observes, so the drain after it raises the
    watermark instead."""
    applied = 0
    while True:
        with transaction.atomic():
            if not _hold_drainer_lock(wait=False):
                return applied
            horizon = watermark.observe() if advance else None  # before the pending read
            pending = selectors.outbox_pending_for_update(limit=batch)
            done = [e.pk for e in pending]
            with atomic():
                for statement, params in statements((e.kind, e.payload, e.pk) for e in pending):
                    run(statement, params)
                if horizon is not None:
                    watermark.advance(run, horizon, done)
            OutboxEvent.objects.filter(pk__in=done).update(processed_at=timezone.now())
            if not pending:
                return applied
            applied += len(pending)


def drain(run: Runner, batch: int = 500, atomic: GraphTransaction = nullcontext) -> int:
    """Project pending outbox events, oldest first; returns how many were applied.

    One drainer at a time (an advisory lock per batch: a second drain returns at once), rows
    locked with SKIP LOCKED besides; a failure leaves the batch pending for the next run.
    Positions make a late or repeated batch harmless anyway: no event overwrites a newer one.
    """
    return _apply_pending(run, batch, atomic=atomic)


def last_positions() -> dict[tuple[str, int], int]:
    """`{(element, id): position of the newest event about it}` over the outbox kept."""
    rows = (
        OutboxEvent.objects.annotate(key=Cast(KT("payload__id"), BigIntegerField()))
        .values("kind", "key")
        .annotate(last=Max("id"))
        .values_list("kind", "key", "last")
    )
    newest: dict[tuple[str, int], int] = {}
    for kind, key, last in rows:
        element = (kind.split(".")[0], key)
        newest[element] = max(last, newest.get(element, 0))
    return newest


def rebuild(run: Runner, graph_keys: Callable[[str], set[int]], chunk: int = 2000) -> int:
    """Project every SQL row over the graph in place, then the events after the snapshot.

    Readers never see an empty graph: nothing is wiped; each row is upserted with the position
    of the newest event about it that the snapshot saw, and elements the snapshot lacks are
    deleted at the snapshot's position. One transaction (REPEATABLE READ on PostgreSQL, holding
    the drainers' lock) reads the rows, the positions and the pending events alike, so every
    event marked done here was applied; events committed meanwhile stay pending for the next
    drain. Returns the number of pending events applied.
    """
    with transaction.atomic():
        _snapshot_isolation()
        _hold_drainer_lock(wait=True)
        watermark.reset(run)
        stamps, top = last_positions(), outbox.top_position()
        for statement, params in rebuild_statements(stamps, chunk):
            run(statement, params)
        for element in reversed(REBUILD_ORDER):
            present = set(outbox.model_of(element)._default_manager.values_list("pk", flat=True))
            extra = sorted(graph_keys(element) - present)
            if extra:
                run(DELETE[element], {"rows": [{"id": key, "pos": top} for key in extra]})
        return _apply_pending(run, chunk, advance=False)


def _snapshot_isolation() -> None:
    """One snapshot for the whole rebuild, when this is the transaction's first statement."""
    if connection.vendor == "postgresql" and not connection.savepoint_ids:
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def rebuild_statements(
    stamps: dict[tuple[str, int], int] | None = None, chunk: int = 2000
) -> Iterator[Statement]:
    """Upserts for every row of the system of record, in REBUILD_ORDER, `chunk` rows at a time,
    each at the position of the newest event about it in `stamps` (0 when none is kept)."""
    stamps = stamps or {}
    for element in REBUILD_ORDER:
        model: type[models.Model] = outbox.model_of(element)
        instances = model._default_manager.order_by("pk").iterator(chunk)
        batch: list[dict[str, Any]] = []
        for instance in instances:
            position = stamps.get((element, instance.pk), 0)
            batch.append(graph_row(element, outbox.state(instance), position))
            if len(batch) == chunk:
                yield UPSERT[element], {"rows": batch}
                batch = []
        if batch:
            yield UPSERT[element], {"rows": batch}


def prune(older_than: timedelta) -> int:
    """Delete events processed more than `older_than` ago; returns how many."""
    cutoff = timezone.now() - older_than
    deleted, _ = OutboxEvent.objects.filter(processed_at__lt=cutoff).delete()
    return deleted
