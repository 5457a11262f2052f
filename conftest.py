"""Fixtures shared by every app's tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from rest_framework.test import APIClient

from common import breaker
from common.authentication import local_tokens
from common.db.replica import ROUTER
from delegation.tests.neo4j import HUNG_GRAPH_DEADLINE, neo4j_behind_proxy, neo4j_url, use_neo4j
from devtools import standby
from devtools.faults import FaultProxy

if TYPE_CHECKING:
    from delegation.graph.neo4j import Neo4jGraphBackend


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Each test starts with an empty cache (the test Redis database is the suite's own) and
    every circuit breaker closed: an outage a test made is not the next test's; nor does a
    worker-held token lookup outlive its test."""
    breaker.reset_all()
    cache.clear()
    local_tokens.clear()
    yield
    breaker.reset_all()


@pytest.fixture
def neo4j(settings: Any) -> Neo4jGraphBackend:
    """The site's graph on the test Neo4j (scripts/test.sh starts it), emptied for this test."""
    return use_neo4j(settings, neo4j_url())


@pytest.fixture
def graph_proxy(settings: Any) -> Iterator[FaultProxy]:
    """The site's graph on the test Neo4j through a fault proxy: `graph_proxy.hang()` makes a
    graph store that accepts and never answers."""
    with neo4j_behind_proxy(neo4j_url(), settings, deadline=HUNG_GRAPH_DEADLINE) as proxy:
        yield proxy


@pytest.fixture
def replica(settings: Any) -> Iterator[None]:
    """Request reads through the test replica (scripts/test.sh starts it): the router on, the
    standby applying commits at once again after the test. Mark the test
    `django_db(transaction=True, databases=["default", "replica"])`: the replica sees only what
    commits."""
    standby.replica_url()
    settings.DATABASE_ROUTERS = [ROUTER]
    standby.apply_delay(0)
    yield
    standby.apply_delay(0)


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
