"""Hit, stale, miss, invalidation and error counts per cache family, summed over every worker.

The counts are Prometheus counters (`common.metrics`): recording adds no round trip to Redis and
keeps working while Redis is down (the error count matters most exactly then), and under gunicorn
`families()` reads the sum over all workers, the same numbers `/metrics` serves.
"""

from __future__ import annotations

from typing import Any

from common import metrics

KINDS = ("hit", "stale", "miss", "invalidation", "error")


class CacheCounters:
    def __init__(self) -> None:
        self._baseline: dict[str, dict[str, int]] = {}

    def add(self, family: str, kind: str, amount: int = 1) -> None:
        if amount:
            metrics.count_cache_event(family, kind, amount)

    def families(self) -> dict[str, dict[str, int]]:
        """`{family: {kind: count}}` with every kind present, since the last `reset()`."""
        counted = {
            family: {kind: counts.get(kind, 0) for kind in KINDS}
            for family, counts in sorted(metrics.cache_counts().items())
        }
        return difference(counted, self._baseline)

    def snapshot(self) -> dict[str, Any]:
        families = {
            family: {**counts, "hit_ratio": hit_ratio(counts)}
            for family, counts in self.families().items()
        }
        scope = "workers" if metrics.multiprocess_dir() else "process"
        return {"scope": scope, "families": families}

    def reset(self) -> None:
        """Count from zero in this process's view; Prometheus counters themselves never go back."""
        self._baseline = metrics.cache_counts()


def hit_ratio(counts: dict[str, int]) -> float | None:
    """Reads answered from the cache (fresh or stale) over all reads; None before any read."""
    served = counts.get("hit", 0) + counts.get("stale", 0)
    reads = served + counts.get("miss", 0)
    return round(served / reads, 4) if reads else None


def difference(after: dict[str, dict[str, int]], before: dict[str, dict[str, int]]) -> dict:
    """Counts added between two `families()` snapshots (the toolbar shows one request's)."""
    changed = {}
    for family, counts in after.items():
        delta = {kind: counts[kind] - before.get(family, {}).get(kind, 0) for kind in KINDS}
        if any(delta.values()):
            changed[family] = delta
    return changed


counters = CacheCounters()
