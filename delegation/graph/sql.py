"""The SQL graph backend: the graph's queries as recursive CTEs over the system-of-record tables.

Every public method runs a fixed number of statements whatever the size of its input (one CTE
per question), each timed as one graph call. The SQL text lives in `sql_queries`.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import connection

from common import telemetry
from common.exceptions import NotFoundError
from delegation.graph import sql_queries as q
from delegation.graph.base import (
    MAX_CHAIN,
    MAX_ORG_DEPTH,
    Answer,
    Chain,
    CheckResult,
    Edge,
    GraphBackend,
    Page,
    PathsResult,
)
from delegation.models import Delegation, Permission, RoleAssignment

CONTAINS = {"postgresql": "strpos", "sqlite": "instr"}


def render(template: str, origins: str = "") -> str:
    """The query text for this database: the substring function and an id-list placeholder."""
    return template.format(contains=CONTAINS[connection.vendor], origins=origins)


def in_list(ids: Iterable[int]) -> tuple[str, dict[str, int]]:
    """`%(o0)s, %(o1)s, ...` and its parameters: a safe IN list on both databases."""
    params = {f"o{number}": int(value) for number, value in enumerate(ids)}
    return ", ".join(f"%({name})s" for name in params) or "NULL", params


def db_time(at: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(at)


def split_ids(path: str) -> list[int]:
    return [int(part) for part in path.strip(",").split(",") if part]


class SqlGraphBackend(GraphBackend):
    name = "sql"

    def _fetch(self, label: str, sql: str, params: dict[str, Any]) -> list[tuple]:
        with (
            telemetry.timed("graph", label, backend=self.name, query=sql),
            connection.cursor() as cur,
        ):
            cur.execute(sql, params)
            return cur.fetchall()

    def ping(self) -> None:
        self._fetch("ping", "SELECT 1", {})

    # --- org chart ---------------------------------------------------------------------------
    def _manager_chains(self, ids: Sequence[int], at: datetime) -> tuple[dict, str]:
        origins, params = in_list(ids)
        sql = render(q.MANAGER_CHAINS, origins)
        params |= {"at": db_time(at), "max_depth": MAX_ORG_DEPTH}
        chains: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for origin, person_id, name, depth in self._fetch("manager_chain", sql, params):
            chains[origin].append({"id": person_id, "name": name, "depth": depth})
        return chains, sql

    def _reports(self, ids: Sequence[int], at: datetime, max_depth: int) -> tuple[dict, str]:
        origins, params = in_list(ids)
        sql = render(q.REPORTS, origins)
        params |= {"at": db_time(at), "max_depth": min(max_depth, MAX_ORG_DEPTH)}
        reports: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for origin, person_id, name, depth, manager_id in self._fetch("reports", sql, params):
            reports[origin].append(
                {"id": person_id, "name": name, "depth": depth, "manager_id": manager_id}
            )
        return reports, sql

    def manager_chain(self, person_id: int, at: datetime) -> Answer:
        chains, sql = self._manager_chains([person_id], at)
        return Answer(chains[person_id], sql)

    def reports(self, person_id: int, at: datetime, max_depth: int = MAX_ORG_DEPTH) -> Answer:
        reports, sql = self._reports([person_id], at, max_depth)
        return Answer(reports[person_id], sql)

    def lowest_common_manager(self, a: int, b: int, at: datetime) -> Answer:
        sql = render(q.LOWEST_COMMON_MANAGER)
        params = {"a": a, "b": b, "at": db_time(at), "max_depth": MAX_ORG_DEPTH}
        rows = self._fetch("lowest_common_manager", sql, params)
        keys = ("id", "name", "depth_a", "depth_b")
        return Answer([dict(zip(keys, row, strict=True)) for row in rows], sql)

    def unit_tree(self, root_id: int | None = None) -> Answer:
        sql = render(q.UNIT_TREE)
        rows = self._fetch("unit_tree", sql, {"root": root_id, "max_depth": MAX_ORG_DEPTH})
        keys = ("id", "code", "name", "parent_id", "depth", "people")
        return Answer([dict(zip(keys, row, strict=True)) for row in rows], sql)

    def manages_during(
        self, manager_id: int, person_id: int, start: datetime, end: datetime | None
    ) -> bool:
        """Whether `person_id` is `manager_id` or above them at some time in [start, end)."""
        params = {
            "start": manager_id,
            "target": person_id,
            "start_at": db_time(start),
            "end": db_time(end) if end else None,
            "max_depth": MAX_ORG_DEPTH,
        }
        return self._fetch("reporting_reach", render(q.REPORTING_REACH), params)[0][0] > 0

    # --- authorization -----------------------------------------------------------------------
    def _chain_params(
        self, at: datetime, need: tuple[str, int | None] | None, min_budget: int, codename: str = ""
    ) -> dict[str, Any]:
        nk, nid = need or (None, None)
        return {
            "at": db_time(at),
            "nk": nk,
            "nid": nid,
            "codename": codename,
            "max_chain": MAX_CHAIN,
            "min_budget": min_budget,
        }

    def holds(
        self,
        person_id: int,
        need: tuple[str, int | None],
        at: datetime,
        *,
        to_delegate: bool = False,
        codename: str = "",
    ) -> tuple[list[tuple], str]:
        """Rows of the CHECK query for `need`: `("p", permission_id)`, `("r", role_id)`, or
        `("p", None)` with the permission's `codename`.

        With `to_delegate`, the person must also be allowed to pass the grant on (the chain
        that brought it leaves at least one re-delegation).
        """
        origins, params = in_list([person_id])
        sql = render(q.CHECK, origins)
        params |= self._chain_params(at, need, 1 if to_delegate else 0, codename)
        return self._fetch("check", sql, params), sql

    def check(
        self, person_id: int, permission: str, at: datetime, *, explain: bool = True
    ) -> CheckResult:
        result = CheckResult(person_id=person_id, permission=permission, at=at, allowed=False)
        rows, result.query = self.holds(person_id, ("p", None), at, codename=permission)
        result.cycles = [list(reversed(split_ids(row[3]))) for row in rows if row[0] == "cycle"]
        proof = next((row for row in rows if row[0] == "proof"), None)
        if proof is not None:
            _, hops, weight, links, assignment_id, _gk, _gid = proof
            result.allowed, result.hops, result.weight = True, hops, weight
            if explain:
                result.proof = self._proof(assignment_id, split_ids(links), permission)
        return result

    def _proof(self, assignment_id: int, links: list[int], permission: str) -> list[Edge]:
        """Edges from the assignment at the root of the chain, through the links, to the
        permission: assignment, inheritance down to what was lent, each delegation in order,
        inheritance down to the permission."""
        assignment = (
            RoleAssignment.objects.filter(pk=assignment_id)
            .values("id", "person_id", "role_id", "role__code", "valid_from", "valid_to")
            .get()
        )
        delegations = {row["id"]: row for row in delegation_rows(links)}
        forward = [delegations[link] for link in reversed(links)]
        roles = RoleGraph(self._fetch("role_edges", q.ROLE_EDGES, {}))
        edges = [
            Edge(
                "assignment",
                f"person:{assignment['person_id']}",
                f"role:{assignment['role__code']}",
                assignment["id"],
                assignment["valid_from"],
                assignment["valid_to"],
            )
        ]
        held = ("r", assignment["role_id"])
        for link in forward:
            lent = grant_of(link)
            edges += roles.path(held, lent)
            edges.append(delegation_edge(link))
            held = lent
        edges += roles.path(held, ("p", Permission.objects.get(codename=permission).pk))
        return edges

    def who_can(self, permission: str, at: datetime, *, after: int = 0, limit: int = 50) -> Page:
        permission_id = Permission.objects.filter(codename=permission).values_list("id", flat=True)
        sql = render(q.WHO_CAN)
        if not permission_id:
            return Page([], None, True, sql)
        params = {
            "at": db_time(at),
            "nid": permission_id[0],
            "max_chain": MAX_CHAIN,
            "after": after,
            "limit": limit + 1,
        }
        rows = self._fetch("who_can", sql, params)
        items = [{"id": id_, "name": name, "hops": hops} for id_, name, hops in rows[:limit]]
        more = len(rows) > limit
        return Page(items, items[-1]["id"] if more else None, not more, sql)

    def _holdings(self, ids: Sequence[int], at: datetime) -> tuple[dict, str]:
        origins, params = in_list(ids)
        sql = render(q.HOLDINGS, origins)
        params |= self._chain_params(at, None, 0)
        held: dict[int, dict[str, list]] = defaultdict(lambda: {"role": [], "permission": []})
        for origin, kind, name, hops, scope in self._fetch("holdings", sql, params):
            held[origin][kind].append({"name": name, "hops": hops, "scope_unit": scope})
        return held, sql

    def what_can(self, person_id: int, at: datetime) -> Answer:
        held, sql = self._holdings([person_id], at)
        items = [
            {
                "permission": row["name"],
                "via": "assignment" if row["hops"] == 0 else "delegation",
                "hops": row["hops"],
            }
            for row in held[person_id]["permission"]
        ]
        return Answer(items, sql)

    def paths(
        self,
        source_id: int,
        target_id: int,
        at: datetime,
        *,
        k: int = 3,
        permission: str | None = None,
    ) -> PathsResult:
        permission_id = None
        if permission is not None:
            found = Permission.objects.filter(codename=permission).values_list("id", flat=True)
            if not found:
                raise NotFoundError(f"No permission {permission!r}.", field="permission")
            permission_id = found[0]
        sql = render(q.PATHS)
        params = {
            "at": db_time(at),
            "source": source_id,
            "target": target_id,
            "nid": permission_id,
            "k": k,
            "max_chain": MAX_CHAIN,
        }
        rows = self._fetch("paths", sql, params)
        delegations = {
            row["id"]: row for row in delegation_rows({i for r in rows for i in split_ids(r[3])})
        }
        ranked: dict[str, list[Chain]] = {"shortest": [], "cheapest": []}
        for ranking, hops, weight, links in rows:
            edges = [delegation_edge(delegations[link]) for link in split_ids(links)]
            ranked[ranking].append(Chain(edges, hops, weight))
        return PathsResult(ranked["shortest"], ranked["cheapest"], sql)

    # --- batched facts for the directory -----------------------------------------------------
    def people_facts(
        self, person_ids: Sequence[int], facts: Collection[str], at: datetime
    ) -> dict[int, dict[str, Any]]:
        ids = list(dict.fromkeys(person_ids))
        result: dict[int, dict[str, Any]] = {pid: {} for pid in ids}
        if not ids:
            return result
        if "manager_chain" in facts:
            chains, _ = self._manager_chains(ids, at)
            for pid in ids:
                result[pid]["manager_chain"] = [
                    {"id": row["id"], "name": row["name"]} for row in chains[pid]
                ]
        if "reports" in facts:
            reports, _ = self._reports(ids, at, MAX_ORG_DEPTH)
            for pid in ids:
                result[pid]["reports"] = [
                    {"id": row["id"], "name": row["name"], "depth": row["depth"]}
                    for row in reports[pid]
                ]
        if facts & {"roles", "permissions"}:
            self._add_holdings(result, ids, facts, at)
        return result

    def _add_holdings(
        self,
        result: dict[int, dict[str, Any]],
        ids: list[int],
        facts: Collection[str],
        at: datetime,
    ) -> None:
        held, _ = self._holdings(ids, at)
        for pid in ids:
            if "roles" in facts:
                result[pid]["roles"] = [
                    {
                        "role": row["name"],
                        "scope_unit": row["scope_unit"],
                        "via": "assignment" if row["hops"] == 0 else "delegation",
                    }
                    for row in held[pid]["role"]
                ]
            if "permissions" in facts:
                result[pid]["permissions"] = sorted(row["name"] for row in held[pid]["permission"])

    # --- for services: who may be affected by a change ----------------------------------------
    def downstream(self, person_ids: Iterable[int]) -> set[int]:
        """The people given and everyone who received delegations from them, transitively."""
        ids = list(person_ids)
        if not ids:
            return set()
        origins, params = in_list(ids)
        params["max_chain"] = MAX_CHAIN
        rows = self._fetch("downstream", render(q.DOWNSTREAM, origins), params)
        return {row[0] for row in rows}


def delegation_rows(ids: Iterable[int]) -> list[dict[str, Any]]:
    return list(
        Delegation.objects.filter(pk__in=list(ids)).values(
            "id",
            "delegator_id",
            "delegatee_id",
            "role_id",
            "role__code",
            "permission_id",
            "permission__codename",
            "valid_from",
            "expires_at",
            "revoked_at",
            "weight",
            "max_redelegations",
        )
    )


def grant_of(row: dict[str, Any]) -> tuple[str, int]:
    return ("r", row["role_id"]) if row["role_id"] else ("p", row["permission_id"])


def delegation_edge(row: dict[str, Any]) -> Edge:
    lent = (
        f"role:{row['role__code']}"
        if row["role_id"]
        else f"permission:{row['permission__codename']}"
    )
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
    """The INHERITS and GRANTS edges, to explain how one grant covers another."""

    def __init__(self, rows: Iterable[tuple]) -> None:
        self.names: dict[tuple[str, int], str] = {}
        self.out: dict[tuple[str, int], list[tuple[str, tuple[str, int]]]] = defaultdict(list)
        for kind, role_id, role_code, target_id, target_name in rows:
            source = ("r", role_id)
            target = ("r", target_id) if kind == "inherits" else ("p", target_id)
            self.names[source] = f"role:{role_code}"
            self.names[target] = f"{'role' if kind == 'inherits' else 'permission'}:{target_name}"
            self.out[source].append((kind, target))

    def path(self, start: tuple[str, int], goal: tuple[str, int]) -> list[Edge]:
        """The fewest INHERITS/GRANTS edges from `start` to `goal` (none when they are equal)."""
        previous: dict[tuple[str, int], tuple[str, tuple[str, int]] | None] = {start: None}
        queue = deque([start])
        while queue and goal not in previous:
            node = queue.popleft()
            for kind, target in self.out[node]:
                if target not in previous:
                    previous[target] = (kind, node)
                    queue.append(target)
        edges: list[Edge] = []
        node = goal
        while previous.get(node) is not None:
            kind, parent = previous[node]
            edges.append(Edge(kind, self.names[parent], self.names[node]))
            node = parent
        return list(reversed(edges))
