"""Cache backends that time every call into `common.telemetry` and can be probed for health.

Both subclass the stock backends; nothing changes in how values are stored. `ping()` bypasses
django-redis's fail-open mode so that health checks see an outage the reads deliberately hide, and
so does any call made inside `strict()`: the read-through helpers use it to learn that Redis is
down (and say so in the answer) where a plain fail-open read would just look like a miss.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol, TypeVar

from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django_redis.cache import RedisCache

from common import telemetry

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


# Base implementations call each other (get_many -> get); only the caller's call is counted.
_inside_cache_call: ContextVar[bool] = ContextVar("inside_cache_call", default=False)


def _timed_method(cls: type, name: str) -> Callable[..., Any]:
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        call = getattr(super(cls, self), name)
        if _inside_cache_call.get():
            return call(*args, **kwargs)
        token = _inside_cache_call.set(True)
        try:
            with telemetry.timed("cache", name, backend=self.backend_name):
                return call(*args, **kwargs)
        finally:
            _inside_cache_call.reset(token)

    method.__name__ = name
    return method


def instrumented(cls: CacheClass) -> CacheClass:
    """Wrap the public cache API of `cls` so each call is recorded once, at the outermost call."""
    for name in TIMED_METHODS:
        setattr(cls, name, _timed_method(cls, name))
    return cls


_strict: ContextVar[bool] = ContextVar("cache_strict", default=False)


@contextmanager
def strict() -> Iterator[None]:
    """Cache calls inside the block raise on a Redis outage instead of failing open."""
    token = _strict.set(True)
    try:
        yield
    finally:
        _strict.reset(token)


@instrumented
class InstrumentedRedisCache(RedisCache):
    backend_name = "redis"

    # django-redis reads `_ignore_exceptions` on every call; a property lets `strict()` turn
    # fail-open off for one context (thread, request) without touching the shared instance.
    @property
    def _ignore_exceptions(self) -> bool:
        return self._fail_open and not _strict.get()

    @_ignore_exceptions.setter
    def _ignore_exceptions(self, value: bool) -> None:
        self._fail_open = value

    def ping(self) -> None:
        """Raise if Redis does not answer."""
        self.client.get_client(write=True).ping()


@instrumented
class InstrumentedLocMemCache(LocMemCache):
    backend_name = "locmem"

    def ping(self) -> None:
        """Process memory always answers."""
