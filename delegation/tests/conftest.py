"""Fixtures of the delegation tests: the graph backends, and a small school to ask about."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from delegation.graph.base import GraphBackend
from delegation.tests.scenario import School, build_school

if TYPE_CHECKING:
    from delegation.graph.neo4j import Neo4jGraphBackend

NEO4J_SKIP = "Neo4j contract run needs NEO4J_BOLT_URL (no Neo4j server on this machine)"


def _neo4j_backend() -> Neo4jGraphBackend:
    from delegation.graph.neo4j import Neo4jGraphBackend

    return Neo4jGraphBackend(os.environ["NEO4J_BOLT_URL"])


@pytest.fixture(
    params=[
        "sql",
        pytest.param(
            "neo4j",
            marks=pytest.mark.skipif(not os.environ.get("NEO4J_BOLT_URL"), reason=NEO4J_SKIP),
        ),
    ]
)
def backend_factory(request: pytest.FixtureRequest, db: None) -> Callable[[], GraphBackend]:
    """Returns the backend once the test's data is written: Neo4j first replays the outbox."""

    def ready() -> GraphBackend:
        if request.param == "sql":
            from delegation.graph.sql import SqlGraphBackend

            return SqlGraphBackend()
        backend = _neo4j_backend()
        backend.rebuild()
        return backend

    return ready


@pytest.fixture
def school(db: None) -> School:
    return build_school()
