"""The graph: one interface (`base.GraphBackend`), a SQL backend and a Neo4j backend.

`get_graph()` returns the backend chosen by settings.GRAPH_BACKEND (`neo4j` when NEO4J_BOLT_URL
is set, else `sql`). Nothing outside this package imports neomodel.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from typing import Any, cast

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from common.breaker import CircuitOpenError
from common.health import StoreHealth, probe_by_ping
from delegation.graph.base import GraphBackend

logger = logging.getLogger(__name__)


@cache
def _backend(name: str) -> GraphBackend:
    if name == "neo4j":
        from delegation.graph.neo4j import Neo4jGraphBackend

        return Neo4jGraphBackend(settings.NEO4J_BOLT_URL)
    from delegation.graph.sql import SqlGraphBackend

    return SqlGraphBackend()


def get_graph() -> GraphBackend:
    return _backend(settings.GRAPH_BACKEND)


def answering_graph() -> GraphBackend:
    """The graph for a read: the configured one, its questions answered by the SQL backend
    whenever it cannot answer (an outage, a request's deadline, an open breaker), so that a
    projection that is down or slow never turns a read into an error. SQL is the system of
    record: its answer is never older than the projection's."""
    graph = get_graph()
    if graph.name == "sql":
        return graph
    return cast(GraphBackend, _SqlWhenDown(graph))


class _SqlWhenDown:
    """Every method of `graph`, falling back to the same method of the SQL backend."""

    def __init__(self, graph: GraphBackend) -> None:
        from delegation.graph.neo4j import OUTAGE

        self.graph, self.down = graph, (*OUTAGE, CircuitOpenError)

    def __getattr__(self, name: str) -> Any:
        found = getattr(self.graph, name)
        return self._guarded(name, found) if callable(found) else found

    def _guarded(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return method(*args, **kwargs)
            except self.down:
                logger.warning("graph %s unavailable for %s; SQL answered", self.graph.name, name)
                return getattr(_backend("sql"), name)(*args, **kwargs)

        return call


def health() -> StoreHealth:
    """The health endpoint's probe of the graph store (registered in DelegationConfig.ready)."""
    graph = get_graph()
    return probe_by_ping(graph.name, graph.ping)


@receiver(setting_changed)
def _forget_backend(setting: str, **kwargs: object) -> None:
    if setting in {"GRAPH_BACKEND", "NEO4J_BOLT_URL"}:
        _backend.cache_clear()
