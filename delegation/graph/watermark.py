"""The graph's applied watermark: the highest outbox position P such that every event at or below
P has been applied to the graph (or superseded there by a newer event about the same element).

Positions are event ids from a sequence: allocated in insert order, committed in any order, and
a rolled-back transaction leaves a gap for good. So "the newest event applied" is not a
watermark: a transaction still open may hold a lower id than one already drained. A drain
therefore observes a `Horizon` at the start of each batch, before it selects pending events:
`top`, the newest id visible, then `holders`, the transactions holding the outbox writers'
shared lock (`common.outbox.WRITER_LOCK`, taken before an id is allocated). An id at or below
`top` belongs to a transaction that had committed (so the batch's own read sees it), had rolled
back (a gap, never to appear), or is among `holders`. With no holders, every id up to `top` is
settled; with holders, `top` becomes a candidate that settles at the first later drain where
none of those transactions holds the lock any more. The watermark is then the settled position,
lowered to just below the oldest event still pending, and it never moves back.

The marker lives in the graph itself (`cypher_sync.WATERMARK_*`), written after the batch's
statements: it describes what the graph holds. A rebuild resets it to 0 (readers that need
freshness ask SQL meanwhile) and the drain after it sets it again.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from django.db import connection

from common import outbox
from common.models import OutboxEvent
from delegation.graph.neo4j.cypher_sync import WATERMARK_READ, WATERMARK_RESET, WATERMARK_WRITE

Runner = Callable[[str, dict[str, Any]], Any]


@dataclass(frozen=True)
class Mark:
    """What the graph records: the watermark, and a candidate waiting for its holders."""

    pos: int = 0
    candidate: int | None = None
    holders: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Horizon:
    top: int
    holders: frozenset[str]

    def settle(self, mark: Mark) -> Mark:
        """The position settled now (`pos`), and the candidate to keep for a later drain."""
        if not self.holders:
            return Mark(self.top)
        if mark.candidate is None:
            return Mark(mark.pos, self.top, self.holders)
        if mark.holders & self.holders:  # still waiting for the candidate's writers
            return mark
        return Mark(mark.candidate, self.top, self.holders)


def writer_holders() -> frozenset[str]:
    """The transactions (virtual ids) that hold the outbox writers' lock, other than ours."""
    if connection.vendor != "postgresql":  # SQLite: one writer at a time, never concurrent
        return frozenset()
    high, low = outbox.WRITER_LOCK >> 32, outbox.WRITER_LOCK & 0xFFFF_FFFF
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT virtualtransaction FROM pg_locks
            WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND classid::bigint = %s AND objid::bigint = %s AND objsubid = 1""",
            [high, low],
        )
        return frozenset(row[0] for row in cursor.fetchall())


def observe() -> Horizon:
    """Top first, then the holders: a writer that allocated an id at or below `top` took the
    lock before, so it is among the holders unless it has finished."""
    top = outbox.top_position()
    return Horizon(top, writer_holders())


def lowest_pending(excluding: Collection[int]) -> int | None:
    """The oldest event not yet processed, beyond the ones the current batch applied."""
    rest = OutboxEvent.objects.filter(processed_at__isnull=True).exclude(pk__in=list(excluding))
    return rest.order_by("id").values_list("id", flat=True).first()


def read(run: Runner) -> Mark:
    rows = run(WATERMARK_READ, {}) or []
    if not rows:
        return Mark()
    row = rows[0]
    holders = frozenset(filter(None, (row.get("holders") or "").split(",")))
    return Mark(int(row.get("pos") or 0), row.get("candidate"), holders)


def advance(run: Runner, horizon: Horizon, applied: Collection[int]) -> int:
    """Raise the graph's watermark after a batch (`applied`: its event ids); returns it."""
    mark = read(run)
    keep = horizon.settle(mark)
    low = lowest_pending(applied)
    position = max(mark.pos, keep.pos if low is None else min(keep.pos, low - 1))
    run(
        WATERMARK_WRITE,
        {
            "pos": position,
            "candidate": keep.candidate,
            "holders": ",".join(sorted(keep.holders)),
        },
    )
    return position


def reset(run: Runner) -> None:
    run(WATERMARK_RESET, {})
