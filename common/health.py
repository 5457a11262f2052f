"""Probes of each store: state and latency, never an exception."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any, cast

from django.core.cache import cache
from django.db import DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from common import breaker
from common.cache.backends import ProbedCache
from common.db import replica

UP, DOWN = "up", "down"


@dataclass
class StoreHealth:
    status: str
    latency_ms: float
    backend: str
    error: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if not self.error:
            data.pop("error")
        if not self.details:
            data.pop("details")
        return data


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def _short(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}".strip(": ")


def check_database(connection: BaseDatabaseWrapper | None = None) -> StoreHealth:
    connection = connection or connections["default"]
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return StoreHealth(DOWN, _elapsed_ms(started), connection.vendor, _short(error))
    return StoreHealth(UP, _elapsed_ms(started), connection.vendor)


def check_replica() -> StoreHealth:
    """The read replica: up while it answers, with how far it lags the primary."""
    started = time.perf_counter()
    try:
        found = replica.lag()
    except DatabaseError as error:
        return StoreHealth(DOWN, _elapsed_ms(started), "postgresql replica", _short(error))
    details = {
        "lag_bytes": found.bytes,
        "lag_seconds": found.seconds,
        "replay_lsn": found.replay_lsn,
    }
    return StoreHealth(UP, _elapsed_ms(started), "postgresql replica", details=details)


def check_cache() -> StoreHealth:
    return probe_by_ping(
        getattr(cache, "backend_name", type(cache).__name__), cast(ProbedCache, cache).ping
    )


# Probes of stores that belong to an app (the graph: delegation), registered from its ready().
_EXTRA_PROBES: dict[str, Callable[[], StoreHealth]] = {}


def register_probe(name: str, probe: Callable[[], StoreHealth]) -> None:
    _EXTRA_PROBES[name] = probe


def probe_by_ping(backend: str, ping: Callable[[], None]) -> StoreHealth:
    """Health of a store whose client answers `ping()` or raises."""
    started = time.perf_counter()
    try:
        ping()
    except Exception as error:  # noqa: BLE001 - any driver error means the store is down
        return StoreHealth(DOWN, _elapsed_ms(started), backend, _short(error))
    return StoreHealth(UP, _elapsed_ms(started), backend)


@lru_cache(maxsize=1)
def code_migrations() -> tuple[tuple[str, str], ...]:
    """Every migration the code has, in an order they apply in.

    Read from disk once per process (about 16 ms): the files cannot change under a running
    process, and monitors poll the health endpoint often.
    """
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    plan = [node for leaf in graph.leaf_nodes() for node in graph.forwards_plan(leaf)]
    return tuple(dict.fromkeys(plan))


def pending_migrations(connection: BaseDatabaseWrapper | None = None) -> list[str]:
    """`app.migration` names the code has and the database has not applied."""
    applied = MigrationRecorder(connection or connections["default"]).applied_migrations()
    return [f"{app}.{name}" for app, name in code_migrations() if (app, name) not in applied]


def schema_state() -> dict[str, Any]:
    pending = pending_migrations()
    return {"status": "pending" if pending else "current", "pending": pending}


def system_health() -> tuple[int, dict[str, Any]]:
    """HTTP status and body for the health endpoint: 503 only when the system of record is down.

    `breakers` shows each store's circuit breaker in this worker (`common.breaker`): an open one
    means calls to that store fail fast until its probe finds it answering again."""
    database = check_database()
    stores = {"database": database, "cache": check_cache()}
    if database.status == DOWN:
        body = {
            "status": "down",
            "message": "The system of record (database) does not answer.",
            "stores": {name: probe.as_dict() for name, probe in stores.items()},
            "breakers": breaker.snapshot(),
        }
        return 503, body
    if replica.enabled():
        stores["replica"] = check_replica()
    stores |= {name: probe() for name, probe in _EXTRA_PROBES.items()}
    degraded = [name for name, probe in stores.items() if probe.status == DOWN]
    body = {
        "status": "degraded" if degraded else "ok",
        "degraded": degraded,
        "stores": {name: probe.as_dict() for name, probe in stores.items()},
        "schema": schema_state(),
        "breakers": breaker.snapshot(),
    }
    return 200, body
