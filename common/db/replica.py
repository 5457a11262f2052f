"""Reads on a PostgreSQL streaming replica, with read-your-writes by WAL position.

The router (`common.db.routers.ReplicaRouter`) asks `read_alias()` where each read goes. Only the
reads of an HTTP request outside a transaction may go to the replica; the request's route is
chosen once, at its first such read (`choose`):

- the primary when the request is pinned there: a write method (its reads feed its writes), the
  admin and its circulation desk (staff act on what they just did), or once it wrote;
- the primary when the replica's breaker is open or the replica cannot lend a connection;
- with a consistency token, the replica once `pg_last_wal_replay_lsn()` has reached the token's
  LSN, polled for at most `REPLICA_TOKEN_WAIT` seconds, else the primary;
- without one, the replica, as stale as its lag.

Commands, workers (the outbox's drain and its LISTEN) and shells read the primary: they read what
they just wrote. So do the loads that fill a read-through cache (`primary_reads`). Each choice
is counted (`campus_read_routes_total{store,reason}`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import Error, connections

from common import metrics, telemetry
from common.breaker import CLOSED, breaker
from common.db.postgresql.base import breaker_name

PRIMARY, REPLICA = "default", "replica"
ROUTER = "common.db.routers.ReplicaRouter"
POLL = 0.005  # seconds between looks at the replay position while a token waits


@dataclass
class Route:
    """Where one request's reads go: `store` once chosen, and why."""

    lsn: str | None = None
    pinned: str = ""
    store: str = ""
    reason: str = ""
    wrote: bool = False


_route: ContextVar[Route | None] = ContextVar("replica_route", default=None)
_primary_only: ContextVar[bool] = ContextVar("replica_primary_only", default=False)


def enabled() -> bool:
    """Whether reads may go to a replica (the tests' replica alias is there with the router off)."""
    return REPLICA in settings.DATABASES and ROUTER in settings.DATABASE_ROUTERS


@contextmanager
def request_route(*, lsn: str | None, pinned: str) -> Iterator[Route]:
    """The route of one request's reads (`ConsistencyTokenMiddleware`)."""
    route = Route(lsn=lsn, pinned=pinned)
    token = _route.set(route)
    try:
        yield route
    finally:
        _route.reset(token)


@contextmanager
def primary_reads() -> Iterator[None]:
    """Reads in the block go to the primary. A read-through cache fills through it: a value
    read from a replica still behind a write could be stored after that write's invalidation,
    and be served stale until its TTL."""
    token = _primary_only.set(True)
    try:
        yield
    finally:
        _primary_only.reset(token)


def read_alias() -> str:
    """The alias that serves a read now."""
    route = _route.get()
    if route is None or _primary_only.get() or connections[PRIMARY].in_atomic_block:
        return PRIMARY
    if not route.store:
        route.store, route.reason, seconds = choose(route)
        metrics.count_read_route(route.store, route.reason)
        telemetry.note_reads(store_name(), route.reason, seconds)
    return route.store


def note_write() -> None:
    """A write is on its way to the primary: the request's later reads stay there too."""
    route = _route.get()
    if route is not None:
        route.wrote = True
        route.store, route.reason = PRIMARY, route.reason or "wrote"


def failed_under(route: Route, status: int) -> bool:
    """Whether a safe request's 503 came from the replica that served its reads (it hung or
    broke mid-request): such a request is answered again, from the primary."""
    return route.store == REPLICA and status == 503


def store_name() -> str:
    """`replica` when this request's reads are served by the replica, else `db` (meta.sources)."""
    route = _route.get()
    return "replica" if route is not None and route.store == REPLICA else "db"


def choose(route: Route) -> tuple[str, str, float]:
    """The store, the reason, and the seconds the choice cost beyond lending the connection
    (which any replica read needs): with a token, the check's round trip and any wait for it;
    without one, nothing (a replica that refuses fails the lending here; one that hangs fails
    the read, which `ConsistencyTokenMiddleware` answers again from the primary)."""
    if route.pinned:
        return PRIMARY, route.pinned, 0.0
    if breaker(breaker_name(REPLICA)).state != CLOSED:
        return PRIMARY, "replica_down", 0.0
    try:
        connections[REPLICA].ensure_connection()
        if route.lsn is None:
            return REPLICA, "no_token", 0.0
        started = time.perf_counter()
        reached = replica_reached(route.lsn, wait=float(settings.REPLICA_TOKEN_WAIT))
    except Error:  # refused, hung past its deadline, broken: the primary answers instead
        return PRIMARY, "replica_down", 0.0
    seconds = time.perf_counter() - started
    return (REPLICA, "token_reached", seconds) if reached else (PRIMARY, "token_behind", seconds)


def replica_reached(lsn: str, *, wait: float) -> bool:
    """Whether the replica has replayed `lsn`, polling for `wait` seconds."""
    give_up = time.monotonic() + wait
    with connections[REPLICA].cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            if cursor.fetchone()[0]:
                return True
            if time.monotonic() >= give_up:
                return False
            time.sleep(POLL)


def commit_lsn() -> str | None:
    """The primary's WAL write position, read after the request's writes committed: at or past
    the commit of each (None on a database without WAL positions)."""
    connection = connections[PRIMARY]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return str(cursor.fetchone()[0])


@dataclass(frozen=True)
class Lag:
    bytes: int
    seconds: float
    replay_lsn: str


def lag() -> Lag:
    """How far the replica is behind the primary: WAL bytes not yet replayed, and the age of the
    newest replayed commit while WAL waits to be replayed (0 when it has replayed all it has)."""
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        primary = cursor.fetchone()[0]
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(
            "SELECT greatest(pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn()), 0)::bigint,"
            " CASE WHEN pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0"
            " ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END::float8,"
            " pg_last_wal_replay_lsn()::text",
            [primary],
        )
        found = cursor.fetchone()
    return Lag(int(found[0]), round(float(found[1] or 0.0), 3), str(found[2]))
