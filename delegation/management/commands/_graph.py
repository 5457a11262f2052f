"""Shared by the graph_* commands: the Neo4j backend, or a clear refusal without one."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.core.management.base import CommandError

from delegation.graph import get_graph

if TYPE_CHECKING:  # the driver is imported only when the graph is Neo4j
    from delegation.graph.neo4j import Neo4jGraphBackend


def neo4j_backend() -> Neo4jGraphBackend:
    if settings.GRAPH_BACKEND != "neo4j":
        raise CommandError(
            "NEO4J_BOLT_URL is not set: the graph is answered by the SQL backend from the "
            "tables themselves, so there is no Neo4j projection to manage."
        )
    return cast("Neo4jGraphBackend", get_graph())
