"""The interface every graph backend implements; the contract tests hold each backend to it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

# Facts `people_facts` can return for each person; the directory API asks for a subset.
PERSON_FACTS = frozenset({"manager_chain", "reports", "roles", "permissions"})


class GraphBackend(ABC):
    name: str

    @abstractmethod
    def ping(self) -> None:
        """Raise if the graph store does not answer."""

    @abstractmethod
    def people_facts(
        self, person_ids: Sequence[int], facts: Collection[str], at: datetime
    ) -> dict[int, dict[str, Any]]:
        """Graph facts for a whole page of people in one batched call (never one per person).

        Returns `{person_id: {fact: value}}` with only the requested `facts` (a subset of
        PERSON_FACTS), for every id given:
        - manager_chain: `[{"id": int, "name": str}, ...]` nearest manager first, up to the top
        - reports: `[{"id": int, "name": str, "depth": int}, ...]` transitive, depth 1 = direct
        - roles: `[{"role": str, "scope_unit": int | None, "via": "assignment" | "delegation"}]`
        - permissions: `[str, ...]` sorted codenames the person holds at `at`
        """
