"""Read-through caching by family: versioned keys, TTL per family, exact invalidation, stampede
protection, counters, and reads that survive a Redis outage.

A *family* is one kind of cached value (a person's manager chain, a page of courses, ...). Its
TTL comes from `settings.CACHE_TTLS[name]` (else `["default"]`). Keys look like
`<family>:v<version>:<id>`; bump `version` in code when the shape of the value changes.

Invalidation never races a slow reader into serving stale data. Each entry and each family has a
*generation* token in the cache (`<family>:gen:<id>`, `<family>:gen`), read in the same
`get_many` round trip as the values. A value is stored tagged with the generations seen *before*
the origin was read; `invalidate()` replaces the token, so a value computed from pre-write data
no longer matches and is a miss, even if it was stored after the invalidation.

Stampedes: a value lives `ttl` fresh plus a grace period stale. When it turns stale, the one
caller that wins a short lock (`cache.add`) recomputes while the others keep serving the stale
value; when it is missing, the losers poll briefly for the winner's result before computing
themselves. Cache calls run in `strict()` mode: an outage is counted and reported in
`Read.error`, and the values come from the origin, so a read never fails because of the cache.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from common.cache.backends import strict
from common.cache.counters import counters

logger = logging.getLogger("common.cache")

LOCK_SECONDS = 5  # a recompute that takes longer lets another caller try
WAIT_SECONDS = 0.5  # how long a caller waits for another's recompute before doing it itself
POLL_SECONDS = 0.01

Loader = Callable[[list[Any]], dict[Any, Any]]


@dataclass(frozen=True)
class Family:
    name: str
    version: int = 1

    @property
    def ttl(self) -> int:
        ttls = settings.CACHE_TTLS
        return ttls.get(self.name, ttls["default"])

    @property
    def grace(self) -> int:
        """Seconds a value may be served stale while one caller refreshes it."""
        return max(1, self.ttl // 5)

    def key(self, ident: Hashable) -> str:
        return f"{self.name}:v{self.version}:{ident}"

    def generation_key(self, ident: Hashable) -> str:
        return f"{self.name}:gen:{ident}"

    @property
    def family_generation_key(self) -> str:
        return f"{self.name}:gen"

    def lock_key(self, idents: Iterable[Hashable]) -> str:
        digest = hashlib.sha1(",".join(sorted(map(str, idents))).encode()).hexdigest()[:16]
        return f"{self.name}:lock:{digest}"


@dataclass
class Read:
    """Values found or loaded, and how: the directory reports this per part of its answer."""

    values: dict[Any, Any] = field(default_factory=dict)
    hits: int = 0
    stale: int = 0
    misses: int = 0
    error: str = ""

    @property
    def source(self) -> str:
        """`cache`, `origin` or `cache+origin`: where the values of this read came from."""
        cached = self.hits + self.stale
        if cached and self.misses:
            return "cache+origin"
        return "cache" if cached else "origin"


class _CacheDown(Exception):
    pass


def _call(method: str, *args: Any, **kwargs: Any) -> Any:
    """One cache call that raises `_CacheDown` on an outage instead of failing open."""
    try:
        with strict():
            return getattr(cache, method)(*args, **kwargs)
    except Exception as error:  # any client error means the cache is unusable
        raise _CacheDown(f"{type(error).__name__}: {error}") from error


def _generations(family: Family, idents: Sequence[Hashable], found: dict[str, Any]) -> dict:
    family_generation = found.get(family.family_generation_key)
    return {ident: (family_generation, found.get(family.generation_key(ident))) for ident in idents}


def _envelopes(family: Family, idents: Iterable[Hashable], found: dict, generations: dict) -> dict:
    """`{ident: (fresh, value)}` for entries present and still of the current generation."""
    now = time.time()
    usable = {}
    for ident in idents:
        envelope = found.get(family.key(ident))
        if envelope is not None and envelope[0] == generations[ident]:
            usable[ident] = (envelope[1] > now, envelope[2])
    return usable


def _store(family: Family, values: dict[Any, Any], generations: dict) -> None:
    fresh_until = time.time() + family.ttl
    entries = {
        family.key(ident): (generations[ident], fresh_until, value)
        for ident, value in values.items()
    }
    if entries:
        _call("set_many", entries, timeout=family.ttl + family.grace)


def _wait_for_other(family: Family, idents: list[Hashable], generations: dict) -> dict:
    """Values another caller is computing, polled until they appear or WAIT_SECONDS pass."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        found = _call("get_many", [family.key(ident) for ident in idents])
        usable = _envelopes(family, idents, found, generations)
        if len(usable) == len(idents):
            return {ident: value for ident, (_, value) in usable.items()}
    return {}


def _fill(family: Family, idents: list[Hashable], generations: dict, load: Loader) -> dict:
    """Load missing values, letting only one caller at a time load the same set."""
    lock = family.lock_key(idents)
    if not _call("add", lock, 1, timeout=LOCK_SECONDS):
        waited = _wait_for_other(family, idents, generations)
        if waited:
            return waited
    try:
        loaded = load(idents)
        _store(family, loaded, generations)
    finally:
        _call("delete", lock)
    return loaded


def _read_cached(family: Family, idents: list[Hashable], load: Loader, read: Read) -> None:
    keys = [family.key(i) for i in idents] + [family.generation_key(i) for i in idents]
    found = _call("get_many", [*keys, family.family_generation_key])
    generations = _generations(family, idents, found)
    usable = _envelopes(family, idents, found, generations)
    missing = [ident for ident in idents if ident not in usable]
    stale = [ident for ident, (fresh, _) in usable.items() if not fresh]
    read.values.update({ident: value for ident, (_, value) in usable.items()})
    read.hits, read.misses = len(usable) - len(stale), len(missing)
    if stale and _call("add", family.lock_key(stale), 1, timeout=LOCK_SECONDS):
        # This caller refreshes the stale values; concurrent callers keep serving them meanwhile.
        try:
            refreshed = load(stale)
            _store(family, refreshed, generations)
            read.values.update(refreshed)
        finally:
            _call("delete", family.lock_key(stale))
        read.misses += len(stale)
    else:
        read.stale = len(stale)
    if missing:
        read.values.update(_fill(family, missing, generations, load))


def read_many(family: Family, idents: Iterable[Hashable], load: Loader) -> Read:
    """Values for `idents` from the cache, loading the missing ones with `load(missing_ids)`.

    `load` returns `{ident: value}`; idents it leaves out (not found) are not cached. O(1) cache
    round trips however many idents: one `get_many`, and on misses an `add`, a `set_many` and a
    `delete`.
    """
    idents = list(dict.fromkeys(idents))
    read = Read()
    if not idents:
        return read
    try:
        _read_cached(family, idents, load, read)
    except _CacheDown as error:
        logger.warning("cache down reading %s: %s", family.name, error)
        counters.add(family.name, "error")
        read.error = str(error)
        missing = [ident for ident in idents if ident not in read.values]
        read.values.update(load(missing))
        read.misses = len(idents) - read.hits - read.stale
    counters.add(family.name, "hit", read.hits)
    counters.add(family.name, "stale", read.stale)
    counters.add(family.name, "miss", read.misses)
    return read


def read_one(family: Family, ident: Hashable, load: Callable[[], Any]) -> Read:
    """`read_many` for a single value; `read.values[ident]` holds it."""
    return read_many(family, [ident], lambda idents: {ident: load()})


def _new_generations(keys: list[str], timeout: int) -> None:
    # A fresh random token rather than a counter: one set_many for any number of keys, on any
    # backend. It outlives every value tagged with the previous token (their TTL + grace).
    token = uuid.uuid4().hex
    _call("set_many", dict.fromkeys(keys, token), timeout=timeout)


def _record_invalidation(family: Family, keys: list[str], count: int) -> None:
    try:
        _new_generations(keys, timeout=2 * (family.ttl + family.grace))
    except _CacheDown as error:
        # Nothing can be marked while Redis is down; values cached before the outage may be
        # served until their TTL once it is back. Logged and counted for operators.
        logger.error("cache down invalidating %s: %s", family.name, error)
        counters.add(family.name, "error")
        return
    counters.add(family.name, "invalidation", count)


def invalidate(family: Family, idents: Iterable[Hashable]) -> None:
    """Make the cached values of `idents` misses from now on (exactly those, nothing else)."""
    idents = list(dict.fromkeys(idents))
    if idents:
        keys = [family.generation_key(ident) for ident in idents]
        _record_invalidation(family, keys, len(idents))


def invalidate_family(family: Family) -> None:
    """Make every cached value of `family` a miss (for changes too wide to track per entry)."""
    _record_invalidation(family, [family.family_generation_key], 1)


def invalidate_on_commit(family: Family, idents: Iterable[Hashable] | None = None) -> None:
    """Invalidate after the current transaction commits (at once outside one); None = all."""
    idents = None if idents is None else list(idents)
    if idents is None:
        transaction.on_commit(lambda: invalidate_family(family))
    else:
        transaction.on_commit(lambda: invalidate(family, idents))
