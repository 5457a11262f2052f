"""Shared by the graph_* commands: the Neo4j backend, or a clear refusal without one."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError

from delegation.graph import get_graph


def neo4j_backend():  # -> delegation.graph.neo4j.Neo4jGraphBackend, imported only when set
    if settings.GRAPH_BACKEND != "neo4j":
        raise CommandError(
            "NEO4J_BOLT_URL is not set: the graph is answered by the SQL backend from the "
            "tables themselves, so there is no Neo4j projection to manage."
        )
    return get_graph()
