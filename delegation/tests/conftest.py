"""Fixtures of the delegation tests: the graph backends, and a small school to ask about."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from neomodel import db as neomodel_db

from delegation.graph.base import GraphBackend
from delegation.graph.neo4j.falkordb_adapter import FalkorCypher, FalkorServer
from delegation.tests.scenario import School, build_school

if TYPE_CHECKING:
    from delegation.graph.neo4j import Neo4jGraphBackend

NEO4J_SKIP = "Neo4j contract run needs NEO4J_BOLT_URL (no Neo4j server on this machine)"


def _neo4j_backend() -> Neo4jGraphBackend:
    from delegation.graph.neo4j import Neo4jGraphBackend

    return Neo4jGraphBackend(os.environ["NEO4J_BOLT_URL"])


@pytest.fixture
def falkordb(falkordb_server: FalkorServer, monkeypatch: pytest.MonkeyPatch) -> FalkorCypher:
    """An empty FalkorDB graph answering the Neo4j backend's neomodel calls for this test."""
    cypher = FalkorCypher(falkordb_server.graph("campus_test"))
    cypher.clear()
    monkeypatch.setattr(neomodel_db, "cypher_query", cypher.cypher_query)
    monkeypatch.setattr(neomodel_db, "install_labels", cypher.install_labels)
    return cypher


def falkordb_backend() -> Neo4jGraphBackend:
    """The Neo4j backend, its Cypher answered by FalkorDB (needs the `falkordb` fixture)."""
    from delegation.graph.neo4j import Neo4jGraphBackend

    return Neo4jGraphBackend("bolt://falkordb.invalid:7687")


@pytest.fixture(
    params=[
        "sql",
        "falkordb",
        pytest.param(
            "neo4j",
            marks=pytest.mark.skipif(not os.environ.get("NEO4J_BOLT_URL"), reason=NEO4J_SKIP),
        ),
    ]
)
def backend_factory(request: pytest.FixtureRequest, db: None) -> Callable[[], GraphBackend]:
    """Returns the backend once the test's data is written: a Cypher backend is first rebuilt
    from SQL (on FalkorDB always; on Neo4j when NEO4J_BOLT_URL is set)."""

    def ready() -> GraphBackend:
        if request.param == "sql":
            from delegation.graph.sql import SqlGraphBackend

            return SqlGraphBackend()
        if request.param == "falkordb":
            request.getfixturevalue("falkordb")
            backend = falkordb_backend()
        else:
            backend = _neo4j_backend()
        backend.rebuild()
        return backend

    return ready


@pytest.fixture
def school(db: None) -> School:
    return build_school()
