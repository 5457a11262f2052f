"""The SQL graph backend: the graph's queries as recursive CTEs over the system-of-record tables."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from django.db import connection

from common import telemetry
from delegation.graph.base import GraphBackend


class SqlGraphBackend(GraphBackend):
    name = "sql"

    def ping(self) -> None:
        with telemetry.timed("graph", "SELECT 1", backend=self.name), connection.cursor() as cur:
            cur.execute("SELECT 1")

    def people_facts(
        self, person_ids: Sequence[int], facts: Collection[str], at: datetime
    ) -> dict[int, dict[str, Any]]:
        raise NotImplementedError("built by the delegation issue")
