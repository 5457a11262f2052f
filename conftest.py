"""Fixtures shared by every app's tests."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from rest_framework.test import APIClient

from common import breaker
from common.authentication import local_tokens
from common.testing_faults import FaultProxy
from delegation.tests.falkordb import HUNG_GRAPH_DEADLINE, FalkorServer, falkordb_behind_proxy


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Each test starts with an empty cache (the test Redis database is the suite's own) and
    every circuit breaker closed: an outage a test made is not the next test's; nor does a
    process-held token lookup outlive its test."""
    breaker.reset_all()
    cache.clear()
    local_tokens.clear()
    yield
    breaker.reset_all()


@pytest.fixture(scope="session")
def falkordb_server() -> Iterator[FalkorServer]:
    """One FalkorDB server for the whole run (the graph tests' Cypher engine), on a free port,
    started on first use and stopped at the end."""
    server = FalkorServer()
    yield server
    server.stop()


@pytest.fixture
def graph_proxy(
    falkordb_server: FalkorServer, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> Iterator[FaultProxy]:
    """The Neo4j backend (settings and all), its Cypher answered by FalkorDB through a fault
    proxy: `graph_proxy.hang()` makes a graph store that accepts and never answers."""
    with falkordb_behind_proxy(
        falkordb_server, monkeypatch, settings, deadline=HUNG_GRAPH_DEADLINE
    ) as proxy:
        yield proxy


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def staff_user(db: None) -> User:
    return User.objects.create_user("staffer", "staffer@example.com", "pw", is_staff=True)


@pytest.fixture
def staff_client(staff_user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(staff_user)
    return client


@pytest.fixture
def member_user(db: None) -> User:
    return User.objects.create_user("member", "member@example.com", "pw")


@pytest.fixture
def member_client(member_user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(member_user)
    return client
