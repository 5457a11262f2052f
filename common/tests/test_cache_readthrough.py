"""Read-through helpers on the real test Redis (and on a closed port for the outage)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any, cast

import pytest
from django.core.cache import cache
from django.test import override_settings
from django_redis.cache import RedisCache

from common import telemetry
from common.cache import readthrough
from common.cache.backends import BytesCache
from common.cache.counters import counters
from common.cache.readthrough import (
    Family,
    invalidate,
    invalidate_family,
    invalidate_on_commit,
    read_many,
    read_one,
    read_slots,
)
from common.models import PendingInvalidation
from devtools.testing import DOWN_CACHE

FAMILY = Family("test.things")


class Origin:
    """The system of record for the tests: a dict, counting what it is asked for."""

    def __init__(self, **values: Any) -> None:
        self.values = dict(values)
        self.asked: list[list[str]] = []
        self.delay = 0.0
        self._lock = threading.Lock()

    def load(self, idents: list[str]) -> dict[str, Any]:
        with self._lock:
            self.asked.append(list(idents))
        time.sleep(self.delay)
        return {ident: self.values[ident] for ident in idents if ident in self.values}


@pytest.fixture(autouse=True)
def _fresh_counters() -> Iterator[None]:
    counters.reset()
    yield


def family_counts() -> dict[str, int]:
    return counters.families()[FAMILY.name]


def test_second_read_is_served_from_the_cache_in_one_round_trip() -> None:
    origin = Origin(a=1, b=2)
    first = read_many(FAMILY, ["a", "b", "missing"], origin.load)
    second = read_many(FAMILY, ["a", "b"], origin.load)

    assert first.of(FAMILY) == {"a": 1, "b": 2} and first.source(FAMILY) == "origin"
    assert second.of(FAMILY) == {"a": 1, "b": 2} and second.source(FAMILY) == "cache"
    assert origin.asked == [["a", "b", "missing"]]
    assert family_counts() == {"hit": 2, "stale": 0, "miss": 3, "invalidation": 0, "error": 0}


def test_invalidate_reloads_exactly_the_named_entries() -> None:
    origin = Origin(a=1, b=2)
    read_many(FAMILY, ["a", "b"], origin.load)
    origin.values["a"] = 10

    invalidate(FAMILY, ["a"])
    after = read_many(FAMILY, ["a", "b"], origin.load)

    assert after.of(FAMILY) == {"a": 10, "b": 2}
    assert origin.asked[-1] == ["a"]
    assert family_counts()["invalidation"] == 1


def test_invalidate_family_reloads_everything() -> None:
    origin = Origin(a=1, b=2)
    read_many(FAMILY, ["a", "b"], origin.load)
    invalidate_family(FAMILY)
    read_many(FAMILY, ["a", "b"], origin.load)
    assert origin.asked == [["a", "b"], ["a", "b"]]


def test_a_value_read_before_a_write_is_never_served_after_it() -> None:
    """The slow reader stores its pre-write value after the writer invalidated: still a miss."""
    origin = Origin(a="old")

    def load_then_write(idents: list[str]) -> dict[str, Any]:
        loaded = origin.load(idents)
        origin.values["a"] = "new"
        invalidate(FAMILY, ["a"])
        return loaded

    assert read_one(FAMILY, "a", lambda: load_then_write(["a"])["a"]).of(FAMILY) == {"a": "old"}
    assert read_many(FAMILY, ["a"], origin.load).of(FAMILY) == {"a": "new"}


@pytest.mark.django_db
def test_invalidate_on_commit_waits_for_the_commit(django_capture_on_commit_callbacks) -> None:
    origin = Origin(a=1)
    read_many(FAMILY, ["a"], origin.load)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invalidate_on_commit(FAMILY, ["a"])
    assert read_many(FAMILY, ["a"], origin.load).hits[FAMILY.name] == 1
    callbacks[0]()
    assert read_many(FAMILY, ["a"], origin.load).misses[FAMILY.name] == 1


def run_together(count: int, target: Any) -> list[Any]:
    results: list[Any] = [None] * count
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        barrier.wait()
        results[index] = target()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_a_missing_hot_key_is_computed_once_by_concurrent_readers() -> None:
    origin = Origin(hot="value")
    origin.delay = 0.2

    results = run_together(8, lambda: read_many(FAMILY, ["hot"], origin.load).of(FAMILY))

    assert results == [{"hot": "value"}] * 8
    assert origin.asked == [["hot"]]


def make_stale(ident: str) -> None:
    """Age the entry past its fresh TTL, as time would (it stays within its grace period)."""
    key, stored = FAMILY.key(ident), cast(BytesCache, cache)
    envelope = readthrough._decode(stored.get_many_bytes([key])[key])
    assert envelope is not None
    generations, _, value = envelope
    stored.set_many_bytes({key: readthrough._encode([generations, time.time() - 1, value])}, 60)


def test_an_expired_hot_key_is_refreshed_by_one_reader_while_others_serve_it_stale() -> None:
    origin = Origin(hot="v1")
    read_many(FAMILY, ["hot"], origin.load)
    make_stale("hot")
    origin.values["hot"] = "v2"
    origin.delay = 0.3

    results = run_together(6, lambda: read_many(FAMILY, ["hot"], origin.load).of(FAMILY)["hot"])

    assert origin.asked == [["hot"], ["hot"]]  # the first fill, then one refresh
    assert sorted(results) == ["v1"] * 5 + ["v2"]
    assert read_many(FAMILY, ["hot"], origin.load).of(FAMILY)["hot"] == "v2"
    assert family_counts()["stale"] == 5


@override_settings(CACHES=DOWN_CACHE)
@pytest.mark.django_db  # the invalidation Redis missed is kept in the database
def test_redis_down_reads_from_the_origin_and_says_so() -> None:
    origin = Origin(a=1, b=2)

    read = read_many(FAMILY, ["a", "b"], origin.load)
    invalidate(FAMILY, ["a"])  # must not raise either

    assert read.of(FAMILY) == {"a": 1, "b": 2}
    assert read.error.startswith("ConnectionError")
    assert read.source(FAMILY) == "origin"
    assert family_counts()["error"] == 2
    kept = PendingInvalidation.objects.get(family=FAMILY.name)
    assert kept.keys == [FAMILY.generation_key("a")]


@override_settings(CACHE_TTLS={"default": 300, FAMILY.name: 7})
def test_ttl_comes_from_the_family_setting() -> None:
    read_many(FAMILY, ["a"], Origin(a=1).load)
    assert FAMILY.ttl == 7
    assert 7 < cast(RedisCache, cache).ttl(FAMILY.key("a")) <= 7 + FAMILY.grace


def test_slots_of_several_families_cost_one_round_trip_when_cached() -> None:
    other = Family("test.others")
    origin = Origin(a=1, b=2)
    batches: list[list] = []

    def load(slots: list) -> dict:
        batches.append(slots)
        # Cached values are JSON data: lists (a tuple would read back as a list).
        return {(family, ident): [family.name, origin.values[ident]] for family, ident in slots}

    slots = [(FAMILY, "a"), (FAMILY, "b"), (other, "a")]
    first = read_slots(slots, load)
    with telemetry.collect() as stats:
        second = read_slots(slots, load)

    assert len(batches) == 1 and len(batches[0]) == 3  # the misses of all families, loaded at once
    assert second.values == first.values
    assert second.values[(other, "a")] == ["test.others", 1]
    assert [event.label for event in stats.of("cache")] == ["get_many_bytes"]
