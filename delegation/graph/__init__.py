"""The graph: one interface (`base.GraphBackend`), a SQL backend and a Neo4j backend.

`get_graph()` returns the backend chosen by settings.GRAPH_BACKEND (`neo4j` when NEO4J_BOLT_URL
is set, else `sql`). Nothing outside this package imports neomodel.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from common.health import StoreHealth, probe_by_ping
from delegation.graph.base import GraphBackend


@cache
def _backend(name: str) -> GraphBackend:
    if name == "neo4j":
        from delegation.graph.neo4j import Neo4jGraphBackend

        return Neo4jGraphBackend(settings.NEO4J_BOLT_URL)
    from delegation.graph.sql import SqlGraphBackend

    return SqlGraphBackend()


def get_graph() -> GraphBackend:
    return _backend(settings.GRAPH_BACKEND)


def health() -> StoreHealth:
    """The health endpoint's probe of the graph store (registered in DelegationConfig.ready)."""
    graph = get_graph()
    return probe_by_ping(graph.name, graph.ping)


@receiver(setting_changed)
def _forget_backend(setting: str, **kwargs: object) -> None:
    if setting in {"GRAPH_BACKEND", "NEO4J_BOLT_URL"}:
        _backend.cache_clear()
