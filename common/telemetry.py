"""Per-request time and call counts for each store, published as a `Server-Timing` header.

The database is measured with Django's `execute_wrapper`, the cache by the instrumented cache
backends (`common.cache.backends`) and the graph by its backends (`delegation.graph`), which all
call `record()`. Outside a request, `collect()` measures any block of code the same way
(benchmarks use it). `record()` also feeds every call to the Prometheus histograms of
`common.metrics`, in or out of a `collect()` block (the database is measured only inside one).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

from common import metrics

STORES = ("db", "cache", "graph")
STORE_UNITS = {"db": "queries", "cache": "calls", "graph": "calls"}


@dataclass
class StoreEvent:
    store: str
    seconds: float
    label: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Stats:
    """What one request (or one `collect()` block) asked of each store."""

    events: list[StoreEvent] = field(default_factory=list)
    # With a read replica: the store that served the reads, why, and what choosing it cost.
    reads: tuple[str, str, float] | None = None

    def count(self, store: str) -> int:
        return sum(1 for event in self.events if event.store == store)

    def milliseconds(self, store: str) -> float:
        return sum(event.seconds for event in self.events if event.store == store) * 1000

    def of(self, store: str) -> list[StoreEvent]:
        return [event for event in self.events if event.store == store]

    def summary(self) -> dict[str, dict[str, float]]:
        return {
            store: {"count": self.count(store), "ms": round(self.milliseconds(store), 3)}
            for store in STORES
        }

    def server_timing(self, total_seconds: float) -> str:
        parts = [
            f'{store};dur={self.milliseconds(store):.2f};desc="{self.count(store)} '
            f'{STORE_UNITS[store]}"'
            for store in STORES
        ]
        if self.reads:
            store, reason, seconds = self.reads
            parts.append(f'reads;dur={seconds * 1000:.2f};desc="{store} ({reason})"')
        parts.append(f"total;dur={total_seconds * 1000:.2f}")
        return ", ".join(parts)


# Every open `collect()` block of this context, outermost first; each sees every call.
_active: ContextVar[tuple[Stats, ...]] = ContextVar("campus_telemetry", default=())


def current() -> Stats | None:
    """The innermost stats being collected in this context, if any."""
    active = _active.get()
    return active[-1] if active else None


def record(store: str, seconds: float, label: str = "", **detail: Any) -> None:
    """Add one store call to the metrics and to every open `collect()` block."""
    metrics.observe_store_call(store, seconds)
    event = StoreEvent(store, seconds, label, detail)
    for stats in _active.get():
        stats.events.append(event)


def note_reads(store: str, reason: str, seconds: float) -> None:
    """Where this request's reads went (`common.db.replica`), for `Server-Timing`."""
    for stats in _active.get():
        stats.reads = (store, reason, seconds)


@contextmanager
def timed(store: str, label: str = "", **detail: Any) -> Iterator[None]:
    """Time the block as one call to `store`."""
    started = time.perf_counter()
    try:
        yield
    finally:
        record(store, time.perf_counter() - started, label, **detail)


def _record_query(execute: Callable, sql: str, params: Any, many: bool, context: dict) -> Any:
    with timed("db", sql, alias=context["connection"].alias):
        return execute(sql, params, many, context)


@contextmanager
def collect() -> Iterator[Stats]:
    """Collect the store calls made inside the block; nested blocks each see their own calls."""
    stats = Stats()
    outer = _active.get()
    token = _active.set((*outer, stats))
    try:
        with ExitStack() as stack:
            if not outer:  # one query wrapper per context, however deep the nesting
                for alias in connections:
                    stack.enter_context(connections[alias].execute_wrapper(_record_query))
            yield stats
    finally:
        _active.reset(token)


def shows_internals(request: HttpRequest) -> bool:
    """Whether this caller sees the internals (Server-Timing, query texts): everyone where
    `INTERNALS_PUBLIC` (local, tests), else staff only (production), as they map the system."""
    if settings.INTERNALS_PUBLIC:
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff)


class ServerTimingMiddleware:
    """Adds `Server-Timing: db;dur=..;desc="N queries", cache;..., graph;..., total;...` and,
    with a read replica, `reads;dur=<choosing>;desc="replica (no_token)"`: which store served
    the reads, and why."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        with collect() as stats:
            response = self.get_response(request)
        if shows_internals(request):
            response["Server-Timing"] = stats.server_timing(time.perf_counter() - started)
        return response
