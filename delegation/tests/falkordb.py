"""Test helpers over the FalkorDB stand-in: the Cypher backend answered through a fault proxy."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from falkordb import FalkorDB
from neomodel import db as neomodel_db

from common.testing_faults import FaultProxy
from delegation.graph.neo4j.falkordb_adapter import FalkorCypher, FalkorServer

if TYPE_CHECKING:
    from delegation.graph.neo4j import Neo4jGraphBackend


def cypher_graph() -> Neo4jGraphBackend:
    """The configured graph backend, which `falkordb_behind_proxy` makes the Cypher one."""
    from delegation.graph import get_graph
    from delegation.graph.neo4j import Neo4jGraphBackend

    graph = get_graph()
    assert isinstance(graph, Neo4jGraphBackend)
    return graph


HUNG_GRAPH_DEADLINE = 0.5  # GRAPH_QUERY_DEADLINE of the `graph_proxy` fixture (conftest.py)


@contextlib.contextmanager
def falkordb_behind_proxy(
    server: FalkorServer, monkeypatch: Any, settings: Any, *, deadline: float
) -> Iterator[FaultProxy]:
    """The Neo4j backend's Cypher answered by FalkorDB through a fault proxy (`graph_proxy`)."""
    proxy = FaultProxy(("127.0.0.1", server.port)).start()
    cypher = FalkorCypher(FalkorDB(host="127.0.0.1", port=proxy.port).select_graph("campus_test"))
    cypher.clear()
    monkeypatch.setattr(neomodel_db, "cypher_query", cypher.cypher_query)
    monkeypatch.setattr(neomodel_db, "install_labels", cypher.install_labels)
    settings.GRAPH_BACKEND, settings.NEO4J_BOLT_URL = "neo4j", "bolt://falkordb.invalid:7687"
    settings.GRAPH_QUERY_DEADLINE, settings.CIRCUIT_BREAKER_COOLDOWN = deadline, 0.2
    try:
        yield proxy
    finally:
        proxy.stop()  # resets the proxied sockets: calls left hanging fail and end
