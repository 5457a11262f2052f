"""GET /api/health/: each store's state and latency; 503 only when the database is down."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.test import override_settings
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError

from common.breaker import CircuitOpenError
from common.cache.backends import strict
from common.health import check_cache
from devtools.testing import DOWN_CACHE

pytestmark = pytest.mark.django_db


def test_all_stores_up(api_client) -> None:
    response = api_client.get(reverse("api-health"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["degraded"] == []
    assert body["stores"]["database"]["backend"] == "postgresql"
    assert body["stores"]["cache"]["backend"] == "redis"
    assert body["stores"]["graph"]["backend"] == "sql"
    for store in ("database", "cache", "graph"):
        assert body["stores"][store]["status"] == "up"
        assert body["stores"][store]["latency_ms"] >= 0
    assert body["schema"] == {"status": "current", "pending": []}


@override_settings(CACHES=DOWN_CACHE)
def test_cache_on_a_closed_port_is_reported_down_but_the_site_answers(api_client) -> None:
    response = api_client.get(reverse("api-health"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["degraded"] == ["cache"]
    assert body["stores"]["cache"]["status"] == "down"
    assert "Connection" in body["stores"]["cache"]["error"]


@override_settings(CACHES=DOWN_CACHE)
def test_cache_down_is_fail_open_for_reads() -> None:
    assert cache.get("anything") is None
    cache.set("anything", 1)
    assert check_cache().status == "down"


@override_settings(CACHES=DOWN_CACHE)
def test_cache_down_answers_as_misses_except_inside_strict() -> None:
    assert cache.get("anything", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.get_or_set("anything", lambda: 3) == 3
    assert cache.add("anything", 1) is None
    # Two failures opened the cache breaker: strict calls now raise without trying Redis.
    with strict(), pytest.raises(CircuitOpenError):
        cache.get("anything")


@override_settings(CACHES=DOWN_CACHE)
def test_cache_down_raises_the_redis_error_inside_strict_before_the_breaker_opens() -> None:
    with strict(), pytest.raises(RedisConnectionError):
        cache.get("anything")


@pytest.fixture
def database_on_a_closed_port() -> Iterator[None]:
    """Swap the default connection for a real one to a port where nothing listens, with the
    project's connect timeout and no pool (Django keys pools by alias: a pooled copy would
    borrow from the live pool)."""
    original = connections["default"]
    options = {"connect_timeout": original.settings_dict["OPTIONS"]["connect_timeout"]}
    settings_dict = {**original.settings_dict, "PORT": "1", "OPTIONS": options}
    broken = type(original)(settings_dict, alias="default")
    connections["default"] = broken
    try:
        yield
    finally:
        broken.close()
        connections["default"] = original


@pytest.mark.django_db(transaction=True)
def test_database_down_answers_503_from_the_refused_connect_without_a_traceback(
    api_client, database_on_a_closed_port: None
) -> None:
    """The 503 comes from the connect being refused, not from waiting out a timeout (a server
    that never answers would report `timeout expired` after `connect_timeout`)."""
    response = api_client.get(reverse("api-health"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["stores"]["database"]["status"] == "down"
    assert body["stores"]["database"]["error"].endswith("Connection refused")
    assert "Traceback" not in response.content.decode()
    assert "database" in body["message"]


def test_schema_state_names_a_migration_the_database_lacks(api_client) -> None:
    MigrationRecorder(connections["default"]).record_unapplied(
        "blog", "0012_author_profile_contract"
    )
    body = api_client.get(reverse("api-health")).json()
    assert body["schema"] == {"status": "pending", "pending": ["blog.0012_author_profile_contract"]}
