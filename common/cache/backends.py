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


def _timed_method(cls: type, name: str) -> Callable[..., Any]:
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        call = getattr(super(cls, self), name)
        if _inside_cache_call.get():
            return call(*args, **kwargs)
        token = _inside_cache_call.set(True)
        try:
            with telemetry.timed("cache", name, backend=self.backend_name):
                return self.guarded(lambda: call(*args, **kwargs))
        except (*self.fail_open_errors, CircuitOpenError) as error:
            if _strict.get():
                raise
            logger.warning("cache %s failed open: %s: %s", name, type(error).__name__, error)
            return _FAIL_OPEN_ANSWERS.get(name, lambda args, kwargs: None)(args, kwargs)
        finally:
            _inside_cache_call.reset(token)

    method.__name__ = name
    return method


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
