"""Throttling that holds: exact under concurrency on Redis, constant-size state, and the client's
address from trusted proxies only."""

from __future__ import annotations

import threading
from typing import Any, cast

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from rest_framework.request import Request

from common.throttling import AnonWindowThrottle

LIMIT = 200
THREADS = 16


class DailyAnon(AnonWindowThrottle):
    # A day's window, so that the test (seconds long) almost never straddles two windows.
    rate = f"{LIMIT}/day"


def anonymous(address: str = "203.0.113.9", forwarded: str = "") -> Request:
    request = RequestFactory().get("/api/health/", REMOTE_ADDR=address)
    if forwarded:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return Request(request)


def test_racing_requests_get_at_most_the_limit() -> None:
    allowed: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def client() -> None:
        start.wait()
        for _ in range(2 * LIMIT // THREADS):
            decision = DailyAnon().allow_request(anonymous(), None)
            with lock:
                allowed.append(decision)

    threads = [threading.Thread(target=client) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(allowed) == 2 * LIMIT
    assert LIMIT <= sum(allowed) <= LIMIT * 1.01


def test_the_state_is_one_small_counter_per_client() -> None:
    throttle = DailyAnon()
    for _ in range(LIMIT):
        throttle.allow_request(anonymous(), None)

    keys = cast(Any, cache).keys("*throttle_anon*")  # django-redis: the suite runs on Redis
    assert len(keys) == 1
    assert cache.get(keys[0]) == LIMIT


@pytest.mark.parametrize("forwarded", ["1.1.1.1", "2.2.2.2, 3.3.3.3"])
def test_a_forged_forwarded_for_is_not_a_new_client(forwarded: str) -> None:
    """With no trusted proxy (NUM_PROXIES=0) a client is its own address, whatever it sends."""
    assert DailyAnon().get_ident(anonymous(forwarded=forwarded)) == "203.0.113.9"
