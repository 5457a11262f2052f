"""Read-through caching by family: versioned keys, TTL per family, exact invalidation, stampede
protection, counters, and reads that survive a Redis outage.

A *family* is one kind of cached value (a person's manager chain, a page of courses, ...). Values
are JSON data (dicts, lists, strings, numbers, booleans, null; dates as ISO text), stored with
their envelope as compact JSON bytes: a page reads hundreds of keys in one MGET, and decoding
JSON of plain data is what it costs, not an unpickling per key. Its
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

Outages lose no invalidation: `invalidate_on_commit` writes it to the database in the writer's
transaction (`PendingInvalidation`) and deletes the row once Redis took it; rows left by an outage
are applied by the cache breaker's probe before this worker reads the cache again (a failed
invalidation opens the breaker). A worker whose breaker never opened may have slept through the
outage (it made no cache call then): so a worker that has not heard from the cache for longer
than `CACHE_IDLE_RECHECK` seconds (the socket timeout: the shortest outage that can fail an
invalidation) applies the pending rows itself, one indexed query when there are none, before it
reads the cache again. A busy worker makes a call during any such outage and opens its breaker.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connections, transaction

from common.breaker import breaker
from common.cache.backends import strict
from common.cache.counters import counters
from common.db import replica
from common.models import PendingInvalidation

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

    def __hash__(self) -> int:
        # Every slot of a page is a dict key holding its family: the generated hash builds and
        # hashes a tuple each time, the name's hash is cached by the string (equal families
        # still compare name and version).
        return hash(self.name)

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


class _Contact:
    """When this process last heard from the cache (monotonic seconds; 0: never)."""

    last = 0.0


def _call(method: str, *args: Any, **kwargs: Any) -> Any:
    """One cache call that raises `_CacheDown` on an outage instead of failing open."""
    try:
        with strict():
            result = getattr(cache, method)(*args, **kwargs)
    except Exception as error:  # any client error means the cache is unusable
        raise _CacheDown(f"{type(error).__name__}: {error}") from error
    _Contact.last = time.monotonic()
    return result


def _catch_up_after_silence() -> None:
    """Apply the invalidations other workers could not, if this one heard nothing from the cache
    for long enough to have missed an outage (see the module's docstring). A database that
    fails this is left to the read, which asks the database anyway or falls back."""
    silence = settings.CACHE_IDLE_RECHECK
    if silence is None or time.monotonic() - _Contact.last <= silence:
        return
    try:
        apply_pending_invalidations()
    except DatabaseError as error:
        logger.warning("pending invalidations not checked: %s", error)


def _key(slot: Slot) -> str:
    return slot[0].key(slot[1])


# Values and generation tokens are stored as bytes the helpers encode themselves (lean JSON of
# plain data, no pickling per key), read and written in one round trip each.
Envelope = list  # [[family generation, entry generation], fresh until (epoch s), value]


def _encode(envelope: Envelope) -> bytes:
    return json.dumps(envelope, cls=DjangoJSONEncoder, separators=(",", ":")).encode()


def _decode(raw: bytes | None) -> Envelope | None:
    """The envelope stored, or None for anything else (absent, or an older format: a miss)."""
    if raw is None:
        return None
    try:
        envelope = json.loads(raw)
    except ValueError:
        return None
    return envelope if isinstance(envelope, list) and len(envelope) == 3 else None


def _token(raw: bytes | None) -> str | None:
    return None if raw is None else raw.decode(errors="replace")


def _get_bytes(keys: list[str]) -> dict[str, bytes]:
    return _call("get_many_bytes", keys)  # every configured backend is a `BytesCache`


def _set_bytes(values: dict[str, bytes], timeout: int) -> None:
    _call("set_many_bytes", values, timeout)


def _lock_key(slots: Iterable[Slot]) -> str:
    digest = hashlib.sha1(",".join(sorted(map(_key, slots))).encode()).hexdigest()[:16]
    return f"lock:{digest}"


def _generation_keys(slots: Sequence[Slot]) -> list[str]:
    families = dict.fromkeys(family for family, _ in slots)
    entries = [family.generation_key(ident) for family, ident in slots]
    return entries + [family.family_generation_key for family in families]


def _generations(slots: Sequence[Slot], found: dict[str, bytes]) -> dict[Slot, list]:
    return {
        (family, ident): [
            _token(found.get(family.family_generation_key)),
            _token(found.get(family.generation_key(ident))),
        ]
        for family, ident in slots
    }


def _usable(slots: Iterable[Slot], found: dict, generations: dict) -> dict[Slot, tuple]:
    """`{slot: (fresh, value)}` for entries present and still of the current generation."""
    now = time.time()
    usable = {}
    for slot in slots:
        envelope = _decode(found.get(_key(slot)))
        if envelope is not None and envelope[0] == generations[slot]:
            usable[slot] = (envelope[1] > now, envelope[2])
    return usable


def _store(values: dict[Slot, Any], generations: dict) -> None:
    by_timeout: dict[tuple[int, int], dict[str, bytes]] = defaultdict(dict)
    now = time.time()
    for (family, ident), value in values.items():
        envelope = _encode([generations[(family, ident)], now + family.ttl, value])
        by_timeout[(family.ttl, family.grace)][family.key(ident)] = envelope
    for (ttl, grace), entries in by_timeout.items():
        _set_bytes(entries, ttl + grace)


def _load_and_store(slots: list[Slot], generations: dict, load: SlotLoader) -> dict[Slot, Any]:
    with replica.primary_reads():  # what is stored must be as new as the last invalidation
        loaded = load(slots)
    _store(loaded, generations)
    return loaded


def _wait_for_other(slots: list[Slot], generations: dict) -> dict[Slot, Any]:
    """Values another caller is computing, polled until they appear or WAIT_SECONDS pass."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        keys = [_key(s) for s in slots]
        found = _get_bytes(keys)
        _tally("value", keys, found)
        usable = _usable(slots, found, generations)
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


@dataclass
class KeyTally:
    """The keys read-through `get_many` calls asked for in a block, and how many came back, per
    kind: `value` (entries) and `generation` (tokens). The toolbar's stock Cache panel counts
    every key of a `get_many` as a hit or a miss; this says which of them were tokens, which
    exist only after an invalidation, so an absent one is the normal state, not a cache miss."""

    asked: Counter[str] = field(default_factory=Counter)
    found: Counter[str] = field(default_factory=Counter)


_tallies: ContextVar[tuple[KeyTally, ...]] = ContextVar("readthrough_key_tallies", default=())


@contextmanager
def tally_keys() -> Iterator[KeyTally]:
    """Count the keys the read-through asks for inside the block (the Cache families panel)."""
    tally = KeyTally()
    token = _tallies.set((*_tallies.get(), tally))
    try:
        yield tally
    finally:
        _tallies.reset(token)


def _tally(kind: str, keys: Sequence[str], found: dict[str, Any]) -> None:
    for tally in _tallies.get():
        tally.asked[kind] += len(keys)
        tally.found[kind] += sum(1 for key in keys if key in found)


def _read_cached(slots: list[Slot], load: SlotLoader, read: Read) -> None:
    _catch_up_after_silence()
    value_keys, generation_keys = list(map(_key, slots)), _generation_keys(slots)
    found = _get_bytes([*value_keys, *generation_keys])
    _tally("value", value_keys, found)
    _tally("generation", generation_keys, found)
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
    token = uuid.uuid4().hex.encode()
    _set_bytes(dict.fromkeys(keys, token), timeout)


def _generation_timeout(family: Family) -> int:
    return 2 * (family.ttl + family.grace)


def _apply(family: Family, keys: list[str], count: int) -> bool:
    """Replace the generations `keys` in the cache; False (logged, counted) if it is down."""
    try:
        _new_generations(keys, _generation_timeout(family))
    except _CacheDown as error:
        logger.error("cache down invalidating %s, kept to apply later: %s", family.name, error)
        counters.add(family.name, "error")
        # This worker must not read the cache again before the kept invalidation is applied.
        breaker("cache").trip(error)
        return False
    counters.add(family.name, "invalidation", count)
    return True


def _pending(family: Family, keys: list[str]) -> PendingInvalidation:
    return PendingInvalidation.objects.create(
        family=family.name, keys=keys, timeout=_generation_timeout(family)
    )


def _invalidate_now(family: Family, keys: list[str], count: int) -> None:
    """Invalidate outside a transaction; what cannot reach the cache waits in the database."""
    if _apply(family, keys, count):
        return
    try:
        _pending(family, keys)
    except DatabaseError as error:
        logger.error("invalidation of %s lost, both stores down: %s", family.name, error)


def _apply_committed(family: Family, pending: PendingInvalidation, count: int) -> None:
    """After commit: apply the pending row, then forget it; a failure leaves it to recovery."""
    if not _apply(family, pending.keys, count):
        return
    try:
        PendingInvalidation.objects.filter(pk=pending.pk).delete()
    except DatabaseError as error:  # applied twice later: a few extra misses, never stale
        logger.warning("pending invalidation %s stays: %s", pending.pk, error)


def _entry_keys(family: Family, idents: Iterable[Hashable] | None) -> list[str]:
    if idents is None:
        return [family.family_generation_key]
    return [family.generation_key(ident) for ident in dict.fromkeys(idents)]


def invalidate(family: Family, idents: Iterable[Hashable]) -> None:
    """Make the cached values of `idents` misses from now on (exactly those, nothing else)."""
    keys = _entry_keys(family, idents)
    if keys:
        _invalidate_now(family, keys, len(keys))


def invalidate_family(family: Family) -> None:
    """Make every cached value of `family` a miss (for changes too wide to track per entry)."""
    _invalidate_now(family, _entry_keys(family, None), 1)


def invalidate_on_commit(family: Family, idents: Iterable[Hashable] | None = None) -> None:
    """Invalidate after the current transaction commits (at once outside one); None = all.

    Inside a transaction the invalidation is first written to the database, in that same
    transaction (`PendingInvalidation`): it commits or rolls back with the write, and if Redis
    cannot take it after the commit it stays there until `apply_pending_invalidations()` runs.
    """
    keys = _entry_keys(family, idents)
    count = 1 if idents is None else len(keys)
    if not keys:
        return
    if not transaction.get_connection().in_atomic_block:
        _invalidate_now(family, keys, count)
        return
    pending = _pending(family, keys)
    transaction.on_commit(lambda: _apply_committed(family, pending, count))


def apply_pending_invalidations(batch: int = 500) -> int:
    """Apply every invalidation the cache missed, oldest first; raise if it is still down.

    The cache breaker runs this after its probe found Redis back and before it closes, so this
    process reads nothing from the cache until every committed write is reflected there.
    """
    applied = 0
    while rows := list(PendingInvalidation.objects.order_by("id")[:batch]):
        by_timeout: dict[int, list[str]] = defaultdict(list)
        for row in rows:
            by_timeout[row.timeout].extend(row.keys)
        for timeout, keys in by_timeout.items():
            _new_generations(keys, timeout)
        PendingInvalidation.objects.filter(pk__in=[row.pk for row in rows]).delete()
        applied += len(rows)
    if applied:
        logger.warning("applied %s pending cache invalidations", applied)
    return applied


def _apply_pending_in_probe() -> None:
    try:
        apply_pending_invalidations()
    finally:
        connections.close_all()  # this thread's connections go back to the pool


breaker("cache").on_recovery.append(_apply_pending_in_probe)
