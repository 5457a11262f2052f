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
from collections import Counter, defaultdict
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


def family_ttl(name: str) -> int:
    """Seconds a value of family `name` stays fresh: its own setting, else the default."""
    ttls = settings.CACHE_TTLS
    return ttls.get(name, ttls["default"])


@dataclass(frozen=True)
class Family:
    name: str
    version: int = 1

    @property
    def ttl(self) -> int:
        return family_ttl(self.name)

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


Slot = tuple[Family, Hashable]
SlotLoader = Callable[[list[Slot]], dict[Slot, Any]]


@dataclass
class Read:
    """Values found or loaded, and how, per family: the directory reports this per part."""

    values: dict[Slot, Any] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    stale: Counter[str] = field(default_factory=Counter)
    misses: Counter[str] = field(default_factory=Counter)
    error: str = ""

    def source(self, family: Family) -> str:
        """`cache`, `origin` or `cache+origin`: where this read's values of `family` came from."""
        cached = self.hits[family.name] + self.stale[family.name]
        if cached and self.misses[family.name]:
            return "cache+origin"
        return "cache" if cached else "origin"

    def of(self, family: Family) -> dict[Hashable, Any]:
        return {ident: value for (fam, ident), value in self.values.items() if fam == family}


class _CacheDown(Exception):
    pass


def _call(method: str, *args: Any, **kwargs: Any) -> Any:
    """One cache call that raises `_CacheDown` on an outage instead of failing open."""
    try:
        with strict():
            return getattr(cache, method)(*args, **kwargs)
    except Exception as error:  # any client error means the cache is unusable
        raise _CacheDown(f"{type(error).__name__}: {error}") from error


def _key(slot: Slot) -> str:
    return slot[0].key(slot[1])


def _lock_key(slots: Iterable[Slot]) -> str:
    digest = hashlib.sha1(",".join(sorted(map(_key, slots))).encode()).hexdigest()[:16]
    return f"lock:{digest}"


def _generation_keys(slots: Sequence[Slot]) -> list[str]:
    families = dict.fromkeys(family for family, _ in slots)
    entries = [family.generation_key(ident) for family, ident in slots]
    return entries + [family.family_generation_key for family in families]


def _generations(slots: Sequence[Slot], found: dict[str, Any]) -> dict[Slot, tuple]:
    return {
        (family, ident): (
            found.get(family.family_generation_key),
            found.get(family.generation_key(ident)),
        )
        for family, ident in slots
    }


def _usable(slots: Iterable[Slot], found: dict, generations: dict) -> dict[Slot, tuple]:
    """`{slot: (fresh, value)}` for entries present and still of the current generation."""
    now = time.time()
    usable = {}
    for slot in slots:
        envelope = found.get(_key(slot))
        if envelope is not None and envelope[0] == generations[slot]:
            usable[slot] = (envelope[1] > now, envelope[2])
    return usable


def _store(values: dict[Slot, Any], generations: dict) -> None:
    by_timeout: dict[tuple[int, int], dict[str, tuple]] = defaultdict(dict)
    now = time.time()
    for (family, ident), value in values.items():
        envelope = (generations[(family, ident)], now + family.ttl, value)
        by_timeout[(family.ttl, family.grace)][family.key(ident)] = envelope
    for (ttl, grace), entries in by_timeout.items():
        _call("set_many", entries, timeout=ttl + grace)


def _load_and_store(slots: list[Slot], generations: dict, load: SlotLoader) -> dict[Slot, Any]:
    loaded = load(slots)
    _store(loaded, generations)
    return loaded


def _wait_for_other(slots: list[Slot], generations: dict) -> dict[Slot, Any]:
    """Values another caller is computing, polled until they appear or WAIT_SECONDS pass."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        usable = _usable(slots, _call("get_many", [_key(s) for s in slots]), generations)
        if len(usable) == len(slots):
            return {slot: value for slot, (_, value) in usable.items()}
    return {}


def _fill(slots: list[Slot], generations: dict, load: SlotLoader) -> dict[Slot, Any]:
    """Load missing values, letting only one caller at a time load the same set."""
    lock = _lock_key(slots)
    if not _call("add", lock, 1, timeout=LOCK_SECONDS):
        waited = _wait_for_other(slots, generations)
        if waited:
            return waited
    try:
        return _load_and_store(slots, generations, load)
    finally:
        _call("delete", lock)


def _count(counter: Counter[str], slots: Iterable[Slot]) -> None:
    counter.update(family.name for family, _ in slots)


def _read_cached(slots: list[Slot], load: SlotLoader, read: Read) -> None:
    found = _call("get_many", [*map(_key, slots), *_generation_keys(slots)])
    generations = _generations(slots, found)
    usable = _usable(slots, found, generations)
    missing = [slot for slot in slots if slot not in usable]
    stale = [slot for slot, (fresh, _) in usable.items() if not fresh]
    read.values.update({slot: value for slot, (_, value) in usable.items()})
    _count(read.hits, (slot for slot, (fresh, _) in usable.items() if fresh))
    _count(read.misses, missing)
    if stale and _call("add", _lock_key(stale), 1, timeout=LOCK_SECONDS):
        # This caller refreshes the stale values; concurrent callers keep serving them meanwhile.
        try:
            read.values.update(_load_and_store(stale, generations, load))
        finally:
            _call("delete", _lock_key(stale))
        _count(read.misses, stale)
    else:
        _count(read.stale, stale)
    if missing:
        read.values.update(_fill(missing, generations, load))


def _record_counts(read: Read) -> None:
    for kind, counter in (("hit", read.hits), ("stale", read.stale), ("miss", read.misses)):
        for family, amount in counter.items():
            counters.add(family, kind, amount)


def read_slots(slots: Iterable[Slot], load: SlotLoader) -> Read:
    """Values of `(family, ident)` slots from the cache, loading the missing ones at once.

    `load(missing_slots)` returns `{slot: value}`; slots it leaves out (not found) are not
    cached. O(1) cache round trips however many slots and families: one `get_many` and, on
    misses, an `add`, one `set_many` per distinct TTL and a `delete`.
    """
    slots = list(dict.fromkeys(slots))
    read = Read()
    if not slots:
        return read
    try:
        _read_cached(slots, load, read)
    except _CacheDown as error:
        logger.warning("cache down: %s", error)
        read.error = str(error)
        for family in dict.fromkeys(family for family, _ in slots):
            counters.add(family.name, "error")
        missing = [slot for slot in slots if slot not in read.values]
        read.values.update(load(missing))
        read.misses = Counter()
        _count(read.misses, missing)
    _record_counts(read)
    return read


def read_many(family: Family, idents: Iterable[Hashable], load: Loader) -> Read:
    """`read_slots` for one family: `load(missing_idents)` returns `{ident: value}`."""

    def load_slots(slots: list[Slot]) -> dict[Slot, Any]:
        return {(family, ident): value for ident, value in load([i for _, i in slots]).items()}

    return read_slots(((family, ident) for ident in idents), load_slots)


def read_one(family: Family, ident: Hashable, load: Callable[[], Any]) -> Read:
    """`read_many` for a single value; `read.of(family)[ident]` holds it."""
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
    if idents is None:
        transaction.on_commit(lambda: invalidate_family(family))
    else:
        chosen = list(idents)  # taken now: the iterable may not outlive the transaction
        transaction.on_commit(lambda: invalidate(family, chosen))
