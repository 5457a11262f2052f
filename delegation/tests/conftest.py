"""Fixtures of the delegation tests: the graph backends, and a small school to ask about."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import pytest

from delegation.graph.base import GraphBackend
from delegation.tests.scenario import School, build_school


@pytest.fixture(params=["sql", "neo4j"])
def backend_factory(request: pytest.FixtureRequest, db: None) -> Callable[[], GraphBackend]:
    """Returns the backend once the test's data is written: Neo4j is first rebuilt from SQL."""

    def ready() -> GraphBackend:
        if request.param == "sql":
            from delegation.graph.sql import SqlGraphBackend

            return SqlGraphBackend()
        backend = request.getfixturevalue("neo4j")
        backend.rebuild()
        return cast(GraphBackend, backend)

    return ready


@pytest.fixture
def school(db: None) -> School:
    return build_school()
