"""API throttles that hold under concurrency: one counter per client and fixed window, counted
by the cache's atomic increment (Redis INCR), so racing requests cannot both read the same
count, and the state is one integer per client, whatever the rate.

DRF's own throttles keep a list of timestamps per client, read and written back without a
lock: concurrent requests each read the old list and all pass, and the list grows with the
rate. Here a window of `duration` seconds holds at most `num_requests`; a burst across a window
boundary can see up to twice that within one duration, the fixed window's known trade-off.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from axes.conf import settings as axes_settings
from axes.models import AccessAttempt
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

View = Callable[..., HttpResponse]


def client_ip(request: HttpRequest | Request) -> str:
    """The client's address, as every limit counts it: the throttles and django-axes' login
    lockouts (`AXES_CLIENT_IP_CALLABLE`). `REMOTE_ADDR` with no proxy in front (`NUM_PROXIES`
    0 or unset); else the entry the nearest of the `NUM_PROXIES` trusted proxies appended to
    `X-Forwarded-For`, never one the client wrote (a forged header is no fresh budget and no
    way out of a lockout). DRF's `get_ident` with a number of proxies, except that an unset
    number means none here, not "trust the whole header"."""
    remote = request.META.get("REMOTE_ADDR", "")
    forwarded = request.headers.get("x-forwarded-for")
    proxies = api_settings.NUM_PROXIES or 0
    if not proxies or not forwarded:
        return remote
    entries = forwarded.split(",")
    return entries[-min(proxies, len(entries))].strip()


def login_username(
    request: HttpRequest | Request, credentials: dict[str, Any] | None
) -> str | None:
    """The username a login attempt counts against (`AXES_USERNAME_CALLABLE`): axes' own
    choice, cut to the length of its column. No account has a name that long, so the cut merges
    only attempts at names nobody signs in with; uncut, the attempt's insert fails the login."""
    field = axes_settings.AXES_USERNAME_FORM_FIELD
    source = credentials if credentials else getattr(request, "data", request.POST)
    username = source.get(field)
    if not isinstance(username, str):
        return username
    return username[: AccessAttempt._meta.get_field("username").max_length]


def window_count(key: str, ttl: int) -> int | None:
    """Add one to `key` (created at 0 with `ttl` seconds to live) and return the new count;
    None when the cache is down (throttling fails open, as every cache read does)."""
    with contextlib.suppress(ValueError):  # most requests: the window's key exists, one trip
        return cache.incr(key)
    for _ in range(2):  # the key may expire between add and incr: create it again, once
        cache.add(key, 0, timeout=ttl)
        try:
            return cache.incr(key)
        except ValueError:
            continue
    return None


class FixedWindowMixin(SimpleRateThrottle):
    """`allow_request` of a DRF rate throttle, counted per fixed window in the cache."""

    def get_ident(self, request: Any) -> str:
        return client_ip(request)

    def get_rate(self) -> str | None:
        """The scope's rate from the settings as they are now (DRF binds them at import)."""
        rates: dict[str, Any] = api_settings.DEFAULT_THROTTLE_RATES
        if self.scope not in rates:
            raise ImproperlyConfigured(f"No throttle rate for scope {self.scope!r}.")
        return rates[self.scope]

    def allow_request(self, request: Request, view: Any) -> bool:
        limit, duration = self.parse_rate(self.rate)
        self.key = self.get_cache_key(request, view)
        if limit is None or duration is None or self.key is None:
            return True
        now = time.time()
        window = int(now // duration)
        self.wait_seconds = (window + 1) * duration - now
        count = window_count(f"{self.key}:w{window}", duration + 1)
        return count is None or count <= limit

    def wait(self) -> float | None:
        return self.wait_seconds


class AnonWindowThrottle(FixedWindowMixin, AnonRateThrottle):
    """Anonymous callers, by address (`NUM_PROXIES` says which one), `anon` rate."""


class UserWindowThrottle(FixedWindowMixin, UserRateThrottle):
    """Signed-in callers, by user id, `user` rate."""


class PageThrottle(FixedWindowMixin):
    """For HTML pages that cost much per request (the lab pages): a rate per signed-in user or,
    for anonymous visitors, per address; the rate is `DEFAULT_THROTTLE_RATES[scope]`."""

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        user = getattr(request, "user", None)
        ident = user.pk if user is not None and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


def throttled_page(scope: str) -> Callable[[View], View]:
    """Decorate a page view: over the scope's rate, a 429 with `Retry-After`."""
    throttle_class = type(f"{scope.title()}PageThrottle", (PageThrottle,), {"scope": scope})

    def decorate(view: View) -> View:
        @wraps(view)
        def page(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            throttle = throttle_class()
            if not throttle.allow_request(request, None):
                response = HttpResponse("Too many requests; try again shortly.", status=429)
                response["Retry-After"] = str(int(throttle.wait() or 1) + 1)
                return response
            return view(request, *args, **kwargs)

        return page

    return decorate
