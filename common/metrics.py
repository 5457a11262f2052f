"""Prometheus metrics: store latency, cache family counts and outbox lag, summed over workers.

Counts are kept by `prometheus_client`. Under gunicorn (`config/gunicorn.conf.py`) every worker
writes its values to memory-mapped files in `PROMETHEUS_MULTIPROC_DIR` and any worker can read
the sum over all of them; without that variable (runserver, tests) the one process counts in its
own memory. Either way recording costs no round trip to any store, so it keeps counting while
Redis or the database is down, when the error counts matter most.

`/metrics` (`exposition()`) serves them in Prometheus's text format, and `/api/ops/cache/` and
the toolbar read the same cache counts through `cache_counts()`.
"""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from collections.abc import Iterator

from django.db import DatabaseError
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

logger = logging.getLogger("common.metrics")

# Database and cache calls take from tens of microseconds to a few milliseconds; the stock
# buckets start at 5 ms and would put nearly every call in the first one.
STORE_BUCKETS = (0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5)

# Our metrics only, so that a single process exposes exactly what the workers' files hold.
_registry = CollectorRegistry()
store_seconds = Histogram(
    "campus_store_call_seconds",
    "Time of one call to a store (db query, cache call, graph query).",
    ["store"],
    buckets=STORE_BUCKETS,
    registry=_registry,
)
cache_events = Counter(
    "campus_cache_events",
    "Read-through cache events per family: hit, stale, miss, invalidation, error.",
    ["family", "kind"],
    registry=_registry,
)

read_routes = Counter(
    "campus_read_routes",
    "Requests whose reads were routed, per store (db: the primary, replica) and reason.",
    ["store", "reason"],
    registry=_registry,
)


def count_read_route(alias: str, reason: str) -> None:
    read_routes.labels("db" if alias == "default" else alias, reason).inc()


def observe_store_call(store: str, seconds: float) -> None:
    store_seconds.labels(store).observe(seconds)


def count_cache_event(family: str, kind: str, amount: int) -> None:
    cache_events.labels(family, kind).inc(amount)


def multiprocess_dir() -> str:
    """The workers' shared directory; prometheus_client itself reads the same variable."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def _counted(directory: str | None) -> Collector:
    """What every worker counted (from `directory`'s files), or this process alone."""
    directory = multiprocess_dir() if directory is None else directory
    return MultiProcessCollector(None, path=directory) if directory else _registry


def _sample_values(name: str, directory: str | None) -> Iterator[tuple[dict[str, str], float]]:
    for metric in _counted(directory).collect():
        for sample in metric.samples:
            if sample.name == name:
                yield sample.labels, sample.value


def cache_counts(directory: str | None = None) -> dict[str, dict[str, int]]:
    """`{family: {kind: count}}` summed over every worker (or of this process alone)."""
    counts: defaultdict[str, dict[str, int]] = defaultdict(dict)
    for labels, value in _sample_values("campus_cache_events_total", directory):
        counts[labels["family"]][labels["kind"]] = int(value)
    return dict(counts)


def store_calls(directory: str | None = None) -> dict[str, int]:
    """`{store: calls}` summed over every worker (or of this process alone)."""
    return {
        labels["store"]: int(value)
        for labels, value in _sample_values("campus_store_call_seconds_count", directory)
    }


def outbox_lag() -> Iterator[Metric]:
    """Pending outbox events and the age of the oldest, read from the database at scrape time."""
    from common.models import OutboxEvent  # at scrape time: this module loads before the apps

    try:
        lag = OutboxEvent.objects.filter(processed_at__isnull=True)
        found = lag.aggregate(pending=Count("id"), oldest=Min("created_at"))
    except DatabaseError as error:  # the scrape still reports every other metric
        logger.warning("outbox lag unavailable: %s", error)
        return
    age = (timezone.now() - found["oldest"]).total_seconds() if found["oldest"] else 0.0
    yield GaugeMetricFamily(
        "campus_outbox_pending_events", "Outbox events not yet applied.", value=found["pending"]
    )
    yield GaugeMetricFamily(
        "campus_outbox_oldest_pending_age_seconds",
        "Age of the oldest outbox event not yet applied (0 when none is pending).",
        value=age,
    )


def read_route_counts(directory: str | None = None) -> dict[tuple[str, str], int]:
    """`{(store, reason): requests}` summed over every worker (or of this process alone)."""
    return {
        (labels["store"], labels["reason"]): int(value)
        for labels, value in _sample_values("campus_read_routes_total", directory)
    }


def replica_lag() -> Iterator[Metric]:
    """How far the read replica lags the primary, asked of both at scrape time (when there is a
    replica and it answers)."""
    from common.db import replica  # at scrape time, as the outbox's lag

    if not replica.enabled():
        return
    try:
        found = replica.lag()
    except DatabaseError as error:
        logger.warning("replica lag unavailable: %s", error)
        return
    yield GaugeMetricFamily(
        "campus_replica_lag_bytes", "WAL the replica has not replayed yet.", value=found.bytes
    )
    yield GaugeMetricFamily(
        "campus_replica_lag_seconds",
        "Age of the replica's newest replayed commit while WAL waits to be replayed (else 0).",
        value=found.seconds,
    )


class _Exposition(Collector):
    def collect(self) -> Iterator[Metric]:
        yield from _counted(None).collect()
        yield from outbox_lag()
        yield from replica_lag()


def exposition() -> bytes:
    """Every metric in Prometheus's text format."""
    return generate_latest(_Exposition())
