"""Cache backends that time every call into `common.telemetry` and can be probed for health.

Both subclass the stock backends; nothing changes in how values are stored. The Redis backend
fails open: a Redis error in a public cache method is logged and answered as django-redis's
IGNORE_EXCEPTIONS would (reads miss, writes do nothing). That is done here, around the public
methods, rather than by django-redis, so that one context can turn it off: calls made inside
`strict()` raise, which the read-through helpers use to learn that Redis is down (and say so in
the answer) where a plain fail-open read would just look like a miss. `ping()` always raises, so
health checks see the outage the reads deliberately hide. Leave django-redis's IGNORE_EXCEPTIONS
off: with it on, errors would be swallowed before this backend sees them.

Every Redis call goes through the cache circuit breaker (`common.breaker`): a hung or refusing
Redis costs each call at most its socket timeout (REDIS_CONNECT_TIMEOUT / REDIS_TIMEOUT, no
retries), and once the breaker is open not even that: calls fail open (or raise, in `strict()`)
without touching the network until its probe finds Redis answering again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol, TypeVar, cast

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.signals import setting_changed
from django.dispatch import receiver
from django_redis.cache import RedisCache
from redis.exceptions import RedisError

from common import telemetry
from common.breaker import Breaker, CircuitOpenError, breaker

logger = logging.getLogger("common.cache")

TIMED_METHODS = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "set_many",
    "delete_many",
    "has_key",
    "incr",
    "decr",
    "clear",
    "get_or_set",
)


CacheClass = TypeVar("CacheClass", bound=type[BaseCache])


class ProbedCache(Protocol):
    """What every cache backend configured here offers beyond Django's API."""

    def ping(self) -> None: ...


# Base implementations call each other (get_many -> get); only the caller's call is counted
# and only the caller's call fails open.
_inside_cache_call: ContextVar[bool] = ContextVar("inside_cache_call", default=False)

_strict: ContextVar[bool] = ContextVar("cache_strict", default=False)


@contextmanager
def strict() -> Iterator[None]:
    """Cache calls inside the block raise on a Redis outage instead of failing open."""
    token = _strict.set(True)
    try:
        yield
    finally:
        _strict.reset(token)


def _default_argument(args: tuple, kwargs: dict) -> Any:
    """`default` of `get(key, default=None, ...)` and of `get_or_set(key, default, ...)`."""
    return args[1] if len(args) > 1 else kwargs.get("default")


def _computed_default(args: tuple, kwargs: dict) -> Any:
    default = _default_argument(args, kwargs)
    return default() if callable(default) else default


# What a method answers when Redis fails and the call fails open; every other method answers
# None, as django-redis's IGNORE_EXCEPTIONS does.
_FAIL_OPEN_ANSWERS: dict[str, Callable[[tuple, dict], Any]] = {
    "get": _default_argument,
    "get_or_set": _computed_default,
    "get_many": lambda args, kwargs: {},
}


def _run(cache: Any, name: str, call: Callable[[], Any], fail_open: Callable[[], Any]) -> Any:
    """`call()` timed and through the breaker, once at the outermost call; on a Redis error
    `fail_open()`'s answer, or the error itself inside `strict()`."""
    if _inside_cache_call.get():
        return call()
    token = _inside_cache_call.set(True)
    try:
        with telemetry.timed("cache", name, backend=cache.backend_name):
            return cache.guarded(call)
    except (*cache.fail_open_errors, CircuitOpenError) as error:
        if _strict.get():
            raise
        logger.warning("cache %s failed open: %s: %s", name, type(error).__name__, error)
        return fail_open()
    finally:
        _inside_cache_call.reset(token)


def _timed_method(cls: type, name: str) -> Callable[..., Any]:
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        call = getattr(super(cls, self), name)
        answer = _FAIL_OPEN_ANSWERS.get(name, lambda args, kwargs: None)
        return _run(self, name, lambda: call(*args, **kwargs), lambda: answer(args, kwargs))

    method.__name__ = name
    return method


class BytesCache(Protocol):
    """Values the caller encoded itself, stored and read as bytes: no serializer per key.

    The read-through helpers keep their envelopes as JSON; a page of the directory reads 600
    keys in one MGET, and django-redis's per-key decoding (an int attempt, a decompression
    attempt, an unpickle) cost more than the round trip itself.
    """

    def get_many_bytes(self, keys: list[str]) -> dict[str, bytes]: ...

    def set_many_bytes(self, values: dict[str, bytes], timeout: int) -> None: ...


def instrumented(cls: CacheClass) -> CacheClass:
    """Wrap the public cache API of `cls` so each call is recorded once, at the outermost call."""
    for name in TIMED_METHODS:
        setattr(cls, name, _timed_method(cls, name))
    return cls


@instrumented
class InstrumentedRedisCache(RedisCache):
    backend_name = "redis"
    # django-redis raises the redis client's errors once IGNORE_EXCEPTIONS is off; TimeoutError
    # covers a socket timeout outside redis-py's own wrapping.
    fail_open_errors: tuple[type[Exception], ...] = (RedisError, TimeoutError)

    @property
    def breaker(self) -> Breaker:
        found = breaker("cache")
        found.probe = _probe_default_cache
        return found

    def guarded(self, call: Callable[[], Any]) -> Any:
        """`call()` through the cache breaker: Redis errors count, an open breaker skips it."""
        return self.breaker.call(call, failures=self.fail_open_errors)

    def ping(self) -> None:
        """Raise if Redis does not answer (at once while the breaker is open)."""
        self.guarded(self._probe)

    def _probe(self) -> None:
        self.client.get_client(write=True).ping()

    def get_many_bytes(self, keys: list[str]) -> dict[str, bytes]:
        """The values of `keys` as `set_many_bytes` stored them: one MGET (see BytesCache)."""

        def mget() -> dict[str, bytes]:
            found = self.client.get_client(write=False).mget([self.make_key(k) for k in keys])
            return {key: value for key, value in zip(keys, found, strict=True) if value is not None}

        return _run(self, "get_many_bytes", mget, dict) if keys else {}

    def set_many_bytes(self, values: dict[str, bytes], timeout: int) -> None:
        """Store encoded `values` for `timeout` seconds: one pipelined round trip."""

        def mset() -> None:
            with self.client.get_client(write=True).pipeline(transaction=False) as pipe:
                for key, value in values.items():
                    pipe.set(self.make_key(key), value, ex=timeout)
                pipe.execute()

        _run(self, "set_many_bytes", mset, lambda: None)


def _probe_default_cache() -> None:
    """The breaker's probe: a PING through the cache configured now, from the probe's thread."""
    cast(ProbedCache, caches["default"]).ping()


@receiver(setting_changed)
def _forget_cache_outage(setting: str, **kwargs: Any) -> None:
    if setting == "CACHES":
        breaker("cache").reset()


@instrumented
class InstrumentedLocMemCache(LocMemCache):
    backend_name = "locmem"
    fail_open_errors: tuple[type[Exception], ...] = ()  # process memory does not fail

    def guarded(self, call: Callable[[], Any]) -> Any:
        """Process memory needs no breaker."""
        return call()

    def ping(self) -> None:
        """Process memory always answers."""

    def get_many_bytes(self, keys: list[str]) -> dict[str, bytes]:
        return self.get_many(keys)

    def set_many_bytes(self, values: dict[str, bytes], timeout: int) -> None:
        self.set_many(values, timeout=timeout)
