"""Faults injected by a real TCP proxy (`devtools.faults`) between the app and its stores.

These tests assert *bounds* on fail-fast behaviour, with margins of several times the expected
figure so that slow CI machines pass: the goal is a bound ("fails within its timeout, then
at once"), and a bound that holds only thanks to the circuit breaker is what the tests check.
They are not speed measurements, which stay in `manage.py bench_faults`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import OperationalError, connections, transaction
from django.test import Client, override_settings
from django.urls import reverse
from redis.exceptions import RedisError

from common import breaker, deadlines
from common.breaker import CLOSED, OPEN
from common.cache.backends import strict
from common.cache.readthrough import Family, invalidate_on_commit, read_one
from common.models import PendingInvalidation
from devtools.faults import FaultProxy, database_behind_proxy

COOLDOWN = 0.2
# Far above the 0.25 s socket timeout and the breaker's microseconds, far below what the calls
# cost without a breaker (seconds): the bounds tell the two apart on any machine.
FAIL_FAST = 0.5


def _elapsed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def _wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> float:
    """Seconds until `condition()` holds (polled); fails after `seconds`."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, "condition never held"
        time.sleep(0.02)
    return time.monotonic() - started


BOOKS = "/api/library/books/"  # not cached: every request asks the database


def _get(client: Any, url: str) -> Any:
    """One request, its connection released at the end as a server does (the test client keeps
    it: it disconnects Django's `close_old_connections` around each request)."""
    try:
        return client.get(url)
    finally:
        connections.close_all()


@pytest.fixture
def database_proxy(transactional_db: None) -> Iterator[FaultProxy]:
    """The default database reached through a fault proxy: a fresh pool; a pool wait just
    longer than the pool's first back-off after a failed check (about 1 s)."""
    with database_behind_proxy("default", cooldown=COOLDOWN, pool_timeout=1.5) as proxy:
        yield proxy


def test_database_refused_fails_fast_once_the_breaker_opens(database_proxy, api_client):
    client = Client(raise_request_exception=False)  # the 503 page, as a server would answer
    assert _get(api_client, reverse("api-health")).status_code == 200
    database_proxy.refuse()
    while breaker.breaker("database").state == CLOSED:  # each costs at most the pool wait
        assert _get(api_client, BOOKS).status_code == 503
    api = _get(api_client, BOOKS)
    assert api.status_code == 503
    assert api.json()["error"]["code"] == "unavailable"
    assert _elapsed(lambda: _get(api_client, BOOKS)) < FAIL_FAST
    html = _get(client, "/blog/")
    assert html.status_code == 503
    assert html["Content-Type"].startswith("text/html")
    assert b"Service Unavailable" in html.content
    assert _elapsed(lambda: _get(client, "/blog/")) < FAIL_FAST
    health = _get(api_client, reverse("api-health"))
    assert health.status_code == 503
    assert health.json()["breakers"]["database"]["state"] != CLOSED


def test_a_pages_outage_503_is_logged_in_one_line_without_a_traceback(
    database_proxy, api_client, caplog
):
    """Three chained tracebacks formatted per request stretched the 503s on a busy machine."""
    client = Client(raise_request_exception=False)
    database_proxy.refuse()
    while breaker.breaker("database").state == CLOSED:
        _get(api_client, BOOKS)
    caplog.clear()

    assert _get(client, "/blog/").status_code == 503
    logged = [record for record in caplog.records if record.name == "django.request"]
    assert [(record.getMessage(), record.exc_info) for record in logged] == [
        ("Service Unavailable: /blog/", None)
    ]


def test_database_back_serves_again_without_waiting_for_the_pools_back_off(
    database_proxy, api_client
):
    database_proxy.refuse()
    while breaker.breaker("database").state == CLOSED:
        _get(api_client, BOOKS)
    time.sleep(3)  # long enough for the pool's own reconnection to back off past its first tries
    database_proxy.restore()
    # The probe runs every cool-down (0.2 s here) and replaces the pool: recovery takes a probe
    # or two, where the old pool's back-off alone would take seconds.
    recovered = _wait_for(lambda: _get(api_client, BOOKS).status_code == 200)
    assert recovered < 2.0


def test_database_dropping_connections_is_survived_by_the_next_request(database_proxy, api_client):
    assert _get(api_client, BOOKS).status_code == 200
    database_proxy.drop()  # every pooled connection dies; the pool's check replaces them
    assert _get(api_client, BOOKS).status_code == 200


DEADLINE = 1.0  # DB_QUERY_DEADLINE in the hang tests: the watchdog's tick is 0.05 s


def test_database_hung_answers_503_within_the_deadline_then_fails_fast(database_proxy, api_client):
    """A PostgreSQL that accepts and never answers: before the deadline every client was stuck
    for good (no timeout of psycopg's or the pool's covers an established connection)."""
    with override_settings(DB_QUERY_DEADLINE=DEADLINE):
        assert _get(api_client, BOOKS).status_code == 200  # a pooled connection to hang on
        database_proxy.hang()
        started = time.perf_counter()
        first = _get(api_client, BOOKS)
        assert time.perf_counter() - started < DEADLINE + 2.0
        assert first.status_code == 503
        assert first.json()["error"]["code"] == "unavailable"
        assert breaker.breaker("database").state != CLOSED
        # Open: later requests neither wait for the deadline nor touch the hung pool.
        assert _elapsed(lambda: _get(api_client, BOOKS)) < FAIL_FAST
        health = _get(api_client, reverse("api-health"))
        assert health.status_code == 503
        assert "no answer within" in health.json()["breakers"]["database"]["error"]


def test_database_hung_then_back_serves_again(database_proxy, api_client):
    with override_settings(DB_QUERY_DEADLINE=DEADLINE):
        assert _get(api_client, BOOKS).status_code == 200
        database_proxy.hang()
        assert _get(api_client, BOOKS).status_code == 503
        database_proxy.restore()
        # A probe in flight when the proxy forwards again completes; a fresh pool replaces the
        # hung one. Bounded by the connect timeout (3 s) plus a cool-down, with margin.
        assert _wait_for(lambda: _get(api_client, BOOKS).status_code == 200) < 6.0


def test_the_pool_lends_a_connection_without_a_round_trip(database_proxy, api_client):
    """psycopg's `check_connection` (CONN_HEALTH_CHECKS) cost every request a round trip, and
    hung on a hung server; the socket check costs none."""
    from django.db import connection

    assert _get(api_client, BOOKS).status_code == 200  # a pooled connection, now idle
    database_proxy.slow(0.5)  # each chunk 0.5 s late: a round trip would take a second
    try:
        assert _elapsed(connection.ensure_connection) < 0.4
    finally:
        connection.close()
        database_proxy.restore()


def test_a_commit_on_a_hung_database_fails_within_the_deadline(database_proxy):
    """COMMIT (atomic()'s exit) bypasses Django's execute wrappers and carries the deadline too;
    the write is not reported done, and the connection is dropped."""
    from django.db import connection

    with override_settings(DB_QUERY_DEADLINE=DEADLINE), deadlines.request_scope():
        started = time.perf_counter()
        with pytest.raises(OperationalError, match="no answer within"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            database_proxy.hang()
        assert time.perf_counter() - started < DEADLINE + 2.0
    assert breaker.breaker("database").state != CLOSED


@pytest.fixture
def redis_proxy(settings) -> Iterator[FaultProxy]:
    """The cache reached through a fault proxy (its own Redis database, the suite's one)."""
    location = settings.CACHES["default"]["LOCATION"]
    host_port, database = location.removeprefix("redis://").split("/")
    host, port = host_port.split(":")
    proxy = FaultProxy((host, int(port))).start()
    caches = {"default": {**settings.CACHES["default"]}}
    caches["default"]["LOCATION"] = f"redis://127.0.0.1:{proxy.port}/{database}"
    with override_settings(CACHES=caches, CIRCUIT_BREAKER_COOLDOWN=COOLDOWN):
        try:
            yield proxy
        finally:
            proxy.stop()


@pytest.mark.parametrize("fault", ["hang", "slow", "refuse"])
def test_redis_hung_slow_or_refusing_costs_one_timeout_then_nothing(redis_proxy, fault):
    cache.set("faults:key", 1)
    if fault == "slow":
        redis_proxy.slow(2.0)
    else:
        getattr(redis_proxy, fault)()
    first = _elapsed(lambda: cache.get("faults:key"))
    assert first < FAIL_FAST * 2  # the 0.25 s socket timeout, no retries
    while breaker.breaker("cache").state == CLOSED:
        cache.get("faults:key")
    # Fifty reads: about 12 s at one timeout each, microseconds with the breaker open.
    assert _elapsed(lambda: [cache.get("faults:key") for _ in range(50)]) < FAIL_FAST
    with pytest.raises(breaker.CircuitOpenError), strict():
        cache.get("faults:key")


@pytest.mark.django_db(transaction=True)  # the probe applies pending invalidations
def test_redis_breaker_closes_once_redis_answers_again(redis_proxy):
    redis_proxy.hang()
    while breaker.breaker("cache").state == CLOSED:
        cache.get("faults:key")
    redis_proxy.restore()
    _wait_for(lambda: breaker.breaker("cache").state == CLOSED)
    cache.set("faults:key", 2)
    assert cache.get("faults:key") == 2


FAMILY = Family("faults.test")


@pytest.mark.django_db(transaction=True)
def test_an_invalidation_redis_missed_is_applied_before_the_cache_serves_again(redis_proxy):
    origin = {"value": "before"}
    assert read_one(FAMILY, 1, lambda: origin["value"]).of(FAMILY)[1] == "before"
    redis_proxy.hang()  # frozen: the cached value stays in Redis, out of reach
    with transaction.atomic():
        origin["value"] = "after"
        invalidate_on_commit(FAMILY, [1])
    assert PendingInvalidation.objects.filter(family=FAMILY.name).count() == 1
    assert breaker.breaker("cache").state != CLOSED  # no cache read until it is applied
    redis_proxy.restore()
    _wait_for(lambda: breaker.breaker("cache").state == CLOSED)
    assert not PendingInvalidation.objects.exists()
    assert read_one(FAMILY, 1, lambda: origin["value"]).of(FAMILY)[1] == "after"


@pytest.mark.django_db(transaction=True)
@override_settings(CACHE_IDLE_RECHECK=0.25)  # the production setting (the suite turns it off)
def test_a_worker_that_slept_through_the_outage_reads_no_value_from_before_it(redis_proxy):
    """Low traffic: only the writer met the frozen Redis. Another worker, whose breaker never
    opened, reads after Redis returns and before the writer's probe: it must not serve the
    value the pending invalidation would have replaced."""
    origin = {"value": "before"}
    assert read_one(FAMILY, 1, lambda: origin["value"]).of(FAMILY)[1] == "before"
    redis_proxy.hang()
    with transaction.atomic():
        origin["value"] = "after"
        invalidate_on_commit(FAMILY, [1])  # the writer's worker: fails, kept in the database
    redis_proxy.restore()
    breaker.breaker("cache").reset()  # now the worker that made no call during the freeze

    assert read_one(FAMILY, 1, lambda: origin["value"]).of(FAMILY)[1] == "after"
    assert not PendingInvalidation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_applied_invalidation_leaves_no_pending_row_and_a_rollback_none(redis_proxy):
    with transaction.atomic():
        invalidate_on_commit(FAMILY, [1])
    with pytest.raises(RuntimeError), transaction.atomic():
        invalidate_on_commit(FAMILY, [2])
        raise RuntimeError("rolled back")
    assert not PendingInvalidation.objects.exists()


def test_the_breaker_opens_after_the_configured_failures_and_probes_alone():
    guarded = breaker.Breaker("faults.unit")
    probes: list[float] = []
    guarded.probe = lambda: probes.append(time.monotonic())
    failing = RedisError("down")

    def fail() -> None:
        raise failing

    with override_settings(CIRCUIT_BREAKER_FAILURES=2, CIRCUIT_BREAKER_COOLDOWN=COOLDOWN):
        for _ in range(2):
            with pytest.raises(RedisError):
                guarded.call(fail, failures=(RedisError,))
        assert guarded.state == OPEN
        with pytest.raises(breaker.CircuitOpenError):
            guarded.call(lambda: None, failures=(RedisError,))
        _wait_for(lambda: guarded.state == CLOSED)
    assert len(probes) == 1
    assert guarded.call(lambda: 42, failures=(RedisError,)) == 42


def test_calls_through_one_breaker_run_side_by_side():
    """Eight threads, one 0.2 s call each: together, not one after another (1.6 s), as through
    pybreaker, whose `call` holds the breaker's lock while the function runs."""
    guarded = breaker.Breaker("faults.concurrent")
    callers = [
        threading.Thread(target=guarded.call, args=(lambda: time.sleep(0.2), (OSError,)))
        for _ in range(8)
    ]

    def run_all() -> None:
        for caller in callers:
            caller.start()
        for caller in callers:
            caller.join()

    assert _elapsed(run_all) < 0.8
