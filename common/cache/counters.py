"""Hit, stale, miss, invalidation and error counts per cache family, kept in process memory.

Why process memory and not Redis INCR: counting must not add a round trip to every read, and it
must keep working while Redis is down (the error count matters most exactly then). The price is
scope: each worker process counts its own traffic, so `snapshot()` says which process and since
when. A fleet-wide view belongs in a metrics system scraping every worker, not in the cache.
"""

from __future__ import annotations

import os
import threading
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from django.utils import timezone

KINDS = ("hit", "stale", "miss", "invalidation", "error")


class CacheCounters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.since: datetime = timezone.now()

    def add(self, family: str, kind: str, amount: int = 1) -> None:
        if amount:
            with self._lock:
                self._counts[family][kind] += amount

    def families(self) -> dict[str, dict[str, int]]:
        """`{family: {kind: count}}` with every kind present."""
        with self._lock:
            return {
                family: {kind: counts[kind] for kind in KINDS}
                for family, counts in sorted(self._counts.items())
            }

    def snapshot(self) -> dict[str, Any]:
        families = {
            family: {**counts, "hit_ratio": hit_ratio(counts)}
            for family, counts in self.families().items()
        }
        return {"process": os.getpid(), "since": self.since, "families": families}

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
            self.since = timezone.now()


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
