"""Building blocks both backends use to explain answers: delegation edges and the role graph.

A grant is `("r", role_id)` or `("p", permission_id)`; its text key is `r:<id>` / `p:<id>`.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable
from typing import Any

from delegation.graph.base import Edge

Grant = tuple[str, int]


def grant_key(grant: Grant) -> str:
    return f"{grant[0]}:{grant[1]}"


def parse_grant(key: str) -> Grant:
    kind, number = key.split(":")
    return kind, int(number)


def grant_of(row: dict[str, Any]) -> Grant:
    return ("r", row["role_id"]) if row["role_id"] else ("p", row["permission_id"])


def delegation_edge(row: dict[str, Any], lent: str) -> Edge:
    """The DELEGATES edge of a delegation `row`, lending `lent` (e.g. `role:librarian`)."""
    return Edge(
        "delegation",
        f"person:{row['delegator_id']}",
        f"person:{row['delegatee_id']}",
        row["id"],
        row["valid_from"],
        row["expires_at"],
        {
            "grant": lent,
            "weight": row["weight"],
            "max_redelegations": row["max_redelegations"],
            "revoked_at": row["revoked_at"],
        },
    )


class RoleGraph:
    """The INHERITS and GRANTS edges (rows of `kind, role id, role code, target id, target
    name`), to say how one grant covers another and to name grants. A `role` row (no target)
    names a role that may have no edges."""

    def __init__(self, rows: Iterable[tuple]) -> None:
        self.names: dict[Grant, str] = {}
        self.out: dict[Grant, list[tuple[str, Grant]]] = defaultdict(list)
        self.into: dict[Grant, list[Grant]] = defaultdict(list)
        for kind, role_id, role_code, target_id, target_name in rows:
            source: Grant = ("r", role_id)
            if kind == "role":
                self.names[source] = f"role:{role_code}"
                continue
            target: Grant = ("r", target_id) if kind == "inherits" else ("p", target_id)
            self.names[source] = f"role:{role_code}"
            self.names[target] = f"{'role' if kind == 'inherits' else 'permission'}:{target_name}"
            self.out[source].append((kind, target))
            self.into[target].append(source)

    def grant_named(self, name: str) -> Grant:
        """The grant called `name` (e.g. `permission:library.circulate`); a held permission is
        always granted by some role, so it is always in the role graph."""
        return next(grant for grant, label in self.names.items() if label == name)

    def name(self, grant: Grant) -> str:
        return self.names.get(grant, grant_key(grant))

    def _search(self, start: Grant) -> dict[Grant, tuple[str, Grant] | None]:
        previous: dict[Grant, tuple[str, Grant] | None] = {start: None}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for kind, target in self.out[node]:
                if target not in previous:
                    previous[target] = (kind, node)
                    queue.append(target)
        return previous

    def path(self, start: Grant, goal: Grant) -> list[Edge]:
        """The fewest INHERITS/GRANTS edges from `start` to `goal` (none when they are equal or
        `goal` is out of reach); among equally few, the one through the lowest role ids,
        compared from `start` on. Stores return edges in no defined order, so the edges' order
        here must not choose (a role inheriting two roles that both grant a permission)."""
        to_goal = self._distances_to(goal)
        if start not in to_goal:
            return []
        edges: list[Edge] = []
        node = start
        while node != goal:
            kind, step = min(
                (edge for edge in self.out[node] if to_goal.get(edge[1]) == to_goal[node] - 1),
                key=lambda edge: edge[1],
            )
            edges.append(Edge(kind, self.name(node), self.name(step)))
            node = step
        return edges

    def _distances_to(self, goal: Grant) -> dict[Grant, int]:
        """Every grant from which `goal` can be reached, with its fewest edges to it."""
        distance = {goal: 0}
        queue = deque([goal])
        while queue:
            node = queue.popleft()
            for source in self.into[node]:
                if source not in distance:
                    distance[source] = distance[node] + 1
                    queue.append(source)
        return distance

    def cover_pairs(self) -> list[str]:
        """`"r:1>p:4"` for every grant a role includes besides itself (a parameter for Cypher)."""
        return [
            f"{grant_key(role)}>{grant_key(included)}"
            for role in [g for g in self.names if g[0] == "r"]
            for included in self._search(role)
            if included != role
        ]

    def covered(self, grant: Grant) -> list[Grant]:
        """Everything `grant` includes, itself too."""
        return list(self._search(grant))
