"""The Neo4j graph backend, through neomodel."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from neomodel import db, get_config

from common import telemetry
from delegation.graph.base import GraphBackend


class Neo4jGraphBackend(GraphBackend):
    name = "neo4j"

    def __init__(self, bolt_url: str) -> None:
        get_config().database_url = bolt_url

    def ping(self) -> None:
        with telemetry.timed("graph", "RETURN 1", backend=self.name):
            db.cypher_query("RETURN 1")

    def people_facts(
        self, person_ids: Sequence[int], facts: Collection[str], at: datetime
    ) -> dict[int, dict[str, Any]]:
        raise NotImplementedError("built by the delegation issue")
