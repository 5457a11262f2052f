"""Test helpers over the local Neo4j that scripts/test.sh starts (its URL in TEST_NEO4J_BOLT_URL):
the site's graph switched to it, emptied, and optionally reached through a fault proxy."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from devtools.faults import FaultProxy

if TYPE_CHECKING:
    from delegation.graph.neo4j import Neo4jGraphBackend

# GRAPH_QUERY_DEADLINE of the `graph_proxy` fixture (conftest.py). Neo4j plans a statement the
# first time it meets it, which took over 0.5 s on a loaded 2-core machine: an answering graph
# must fit in it, a hung one costs it.
HUNG_GRAPH_DEADLINE = 2.0
MISSING = "needs Neo4j: TEST_NEO4J_BOLT_URL is unset (bash scripts/test.sh starts one)"


def neo4j_url() -> str:
    """The test Neo4j's Bolt URL; outside CI a test needing it skips, under CI it fails."""
    url = os.environ.get("TEST_NEO4J_BOLT_URL", "")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail(MISSING)
        pytest.skip(MISSING)
    return url


def cypher_graph() -> Neo4jGraphBackend:
    """The site's graph backend, which the `neo4j` and `graph_proxy` fixtures make Neo4j."""
    from delegation.graph import get_graph
    from delegation.graph.neo4j import Neo4jGraphBackend

    graph = get_graph()
    assert isinstance(graph, Neo4jGraphBackend)
    return graph


def use_neo4j(settings: Any, url: str) -> Neo4jGraphBackend:
    """Make `url` the site's graph and empty it (constraints and indexes stay)."""
    settings.GRAPH_BACKEND, settings.NEO4J_BOLT_URL = "neo4j", url
    graph = cypher_graph()
    graph.run("clear", "MATCH (n) DETACH DELETE n")
    return graph


def through(proxy: FaultProxy, url: str) -> str:
    """`url` with its host and port replaced by the proxy's."""
    parts = urlsplit(url)
    credentials = parts.netloc.rsplit("@", 1)[0]
    return parts._replace(netloc=f"{credentials}@127.0.0.1:{proxy.port}").geturl()


@contextlib.contextmanager
def neo4j_behind_proxy(url: str, settings: Any, *, deadline: float) -> Iterator[FaultProxy]:
    """The site's graph on Neo4j reached through a fault proxy (`graph_proxy`)."""
    parts = urlsplit(url)
    proxy = FaultProxy((parts.hostname or "127.0.0.1", parts.port or 7687)).start()
    settings.GRAPH_QUERY_DEADLINE, settings.CIRCUIT_BREAKER_COOLDOWN = deadline, 0.2
    try:
        use_neo4j(settings, through(proxy, url))
        yield proxy
    finally:
        proxy.stop()  # resets the proxied sockets: calls left hanging fail and end
