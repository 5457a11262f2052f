"""The SQL graph backend: the graph's queries as recursive CTEs over the system-of-record tables.

Every public method runs a fixed number of statements whatever the size of its input (one CTE
per question), each timed as one graph call. The SQL text lives in `sql_queries`.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from django.db import connection

from common import outbox, sql_text, telemetry
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
    Scope,
    depth_first,
    held_scope,
    proof_key,
    rank_chains,
    ranked_cycles,
    sorted_people,
)
from delegation.graph.explain import RoleGraph, delegation_edge, grant_of
from delegation.models import Delegation, Permission, RoleAssignment


def render(query: q.Query, origins: str = "NULL", roles: str = "NULL") -> str:
    """The query's text for this database, with its id lists (from `in_list`) if it has any."""
    return query.sql(connection.vendor, origins, roles)


def in_list(ids: Iterable[int], prefix: str = "o") -> tuple[str, dict[str, int]]:
    """`%(o0)s, %(o1)s, ...` and its parameters: a safe IN list on both databases."""
    params = {f"{prefix}{number}": int(value) for number, value in enumerate(ids)}
    return ", ".join(f"%({name})s" for name in params) or "NULL", params


def db_time(at: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(at)


def split_ids(path: str) -> list[int]:
    return [int(part) for part in path.strip(",").split(",") if part]


def first_link_on(links: str) -> list[int]:
    """A backwards walk's link ids (nearest the person first) from the first link on."""
    return list(reversed(split_ids(links)))


# who_can's delegation candidates are "sparse" below this many valid delegations lending the
# grant after the cursor: then they are read through the grant's valid-until index and sorted
# (at most this many rows); above it they are dense enough for a scan in person order to
# meet a page of them soon. See "who-can pages" in the README.
WHO_CAN_DENSE = 1000


def who_can_bounds(after: int, scan: int) -> dict[str, int]:
    """The page's parameters of `q.WHO_CAN`: `scan` candidates after the id `after`."""
    return {"after": after, "scan": scan, "dense": WHO_CAN_DENSE}


def who_can_scan(missing: int, rounds: int) -> int:
    """How many candidates a who_can statement proves to find `missing` more holders: each costs
    its backwards walk, and a few (a delegation from someone who no longer holds what they
    lent) prove to hold nothing. A slack of a tenth spares most pages a second statement, and
    the slack doubles with each further round, so a run of non-holders costs few statements."""
    return missing + (missing // 10 + 2) * 2**rounds


class SqlGraphBackend(GraphBackend):
    name = "sql"

    def _fetch(self, label: str, sql: str, params: dict[str, Any]) -> list[tuple]:
        """Rows of one statement, timed as one graph call; the call's `query` is the statement
        with the values that ran (what the explorer and the toolbar's Graph panel show)."""
        shown = sql
        started = time.perf_counter()
        try:
            with connection.cursor() as cur:
                cur.execute(sql, params)
                shown = sql_text.executed(connection, cur.cursor, sql, params)
                return cur.fetchall()
        finally:
            seconds = time.perf_counter() - started
            telemetry.record("graph", seconds, label, backend=self.name, query=shown)

    def ping(self) -> None:
        self._fetch("ping", "SELECT 1", {})

    def applied_position(self) -> int:
        """The tables are the truth: every committed write is reflected, so the newest
        position visible now."""
        return outbox.top_position()

    # --- org chart ---------------------------------------------------------------------------
    def manager_chains(self, ids: Sequence[int], at: datetime) -> tuple[dict, str]:
        origins, params = in_list(ids)
        sql = render(q.MANAGER_CHAINS, origins)
        params |= {"at": db_time(at), "max_depth": MAX_ORG_DEPTH}
        chains: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for origin, person_id, name, depth, family, given in self._fetch(
            "manager_chain", sql, params
        ):
            chains[origin].append(
                {"id": person_id, "name": name, "depth": depth}
                | {"family_name": family, "given_name": given}
            )
        return {origin: sorted_people(rows) for origin, rows in chains.items()}, sql

    def reports_of(self, ids: Sequence[int], at: datetime, max_depth: int) -> tuple[dict, str]:
        origins, params = in_list(ids)
        sql = render(q.REPORTS, origins)
        params |= {"at": db_time(at), "max_depth": min(max_depth, MAX_ORG_DEPTH)}
        reports: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for origin, person_id, name, depth, manager_id, family, given in self._fetch(
            "reports", sql, params
        ):
            reports[origin].append(
                {"id": person_id, "name": name, "depth": depth, "manager_id": manager_id}
                | {"family_name": family, "given_name": given}
            )
        return {origin: sorted_people(rows) for origin, rows in reports.items()}, sql

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
        return Answer(depth_first([dict(zip(keys, row, strict=True)) for row in rows]), sql)

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
            "max_depth": MAX_ORG_DEPTH,
        }

    def holds(
        self,
        person_id: int,
        need: tuple[str, int | None],
        at: datetime,
        *,
        to_delegate: bool = False,
        codename: str = "",
        scope: tuple[int | None] | None = None,
    ) -> tuple[list[tuple], str]:
        """Rows of the CHECK query for `need`: `("p", permission_id)`, `("r", role_id)`, or
        `("p", None)` with the permission's `codename`.

        With `to_delegate`, the person must also be allowed to pass the grant on (the chain
        that brought it leaves at least one re-delegation). With `scope` (a one-tuple: the unit
        asked about, or None for no unit), only chains rooted in an assignment whose scope
        covers it count; without it every scope does (the delegation's own root carries its
        scope down the chain, so what is lent is never wider than what was assigned).
        """
        origins, params = in_list([person_id])
        sql = render(q.CHECK, origins)
        params |= self._chain_params(at, need, 1 if to_delegate else 0, codename)
        extra: dict[str, Any] = {
            "any_scope": int(scope is None),
            "unit": scope[0] if scope else None,
        }
        params |= extra
        return self._fetch("check", sql, params), sql

    def check(
        self,
        person_id: int,
        permission: str,
        at: datetime,
        *,
        explain: bool = True,
        unit: int | None = None,
    ) -> CheckResult:
        result = CheckResult(person_id=person_id, permission=permission, at=at, allowed=False)
        rows, result.query = self.holds(
            person_id, ("p", None), at, codename=permission, scope=(unit,)
        )
        cycles = [first_link_on(row[3]) for row in rows if row[0] == "cycle"]
        result.cycles = ranked_cycles(cycles)
        proofs = [row for row in rows if row[0] == "proof"]
        if proofs:
            proof = min(proofs, key=lambda row: proof_key(first_link_on(row[3]), row[4]))
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
        roles = RoleGraph(self._fetch("role_edges", render(q.ROLE_EDGES), {}))
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
            edges.append(delegation_edge(link, lent_label(link)))
            held = lent
        edges += roles.path(held, roles.grant_named(f"permission:{permission}"))
        return edges

    def scope(self, person_id: int, permission: str, at: datetime) -> Scope:
        origins, params = in_list([person_id])
        sql = render(q.SCOPE, origins)
        params |= self._chain_params(at, ("p", None), 0, permission)
        rows = self._fetch("scope", sql, params)
        return Scope(
            everywhere=any(kind == "everywhere" for kind, _ in rows),
            units=frozenset(unit for kind, unit in rows if kind == "unit"),
            query=sql,
        )

    def who_can(self, permission: str, at: datetime, *, after: int = 0, limit: int = 50) -> Page:
        """One statement per page as a rule (`q.WHO_CAN`): its candidates are the next
        `limit + 1` people after `after` plus a slack (`who_can_scan`), so that the few
        candidates who prove to hold nothing rarely leave the page short; when they do, the
        next statement continues from the last candidate for the holders still missing."""
        found = self.permission_roles(permission)
        if found is None:
            return Page([], None, True, render(q.WHO_CAN, q.WHO_CAN_ORIGINS))
        sql, params = self.who_can_statement(*found, at)
        items: list[dict[str, Any]] = []
        cursor, rounds = after, 0
        while True:
            scan = who_can_scan(limit + 1 - len(items), rounds)
            rows = self._fetch("who_can", sql, params | who_can_bounds(cursor, scan))
            *holders, (_, last, _, scanned) = rows
            items += [{"id": id_, "name": name, "hops": hops} for _, id_, name, hops in holders]
            if len(items) > limit or scanned < scan:
                break
            cursor, rounds = last, rounds + 1
        page, more = items[:limit], len(items) > limit
        return Page(page, page[-1]["id"] if more else None, not more, sql)

    def who_can_statement(
        self, permission_id: int, role_ids: list[int], at: datetime
    ) -> tuple[str, dict[str, Any]]:
        """`q.WHO_CAN` for the permission and the roles that include it, with its parameters
        but the page's (`who_can_bounds`)."""
        roles, params = in_list(role_ids, "r")
        sql = render(q.WHO_CAN, q.WHO_CAN_ORIGINS, roles)
        return sql, params | self._chain_params(at, ("p", permission_id), 0)

    def permission_roles(self, codename: str) -> tuple[int, list[int]] | None:
        """The permission's id and the ids of every role that includes it, or None."""
        rows = self._fetch("permission", render(q.PERMISSION_ROLES), {"codename": codename})
        if not rows:
            return None
        return rows[0][0], [role_id for _, role_id in rows if role_id is not None]

    def holdings(self, ids: Sequence[int], at: datetime) -> tuple[dict, str]:
        origins, params = in_list(ids)
        sql = render(q.HOLDINGS, origins)
        params |= self._chain_params(at, None, 0)
        held: dict[int, dict[str, list]] = defaultdict(lambda: {"role": [], "permission": []})
        for origin, kind, name, hops, scoped, unscoped in self._fetch("holdings", sql, params):
            held[origin][kind].append(
                {"name": name, "hops": hops, "scope_unit": held_scope(bool(unscoped), scoped)}
            )
        for facts in held.values():  # by code point, whatever the database's collation
            for rows in facts.values():
                rows.sort(key=lambda row: row["name"])
        return held, sql

    def paths(
        self,
        source_id: int,
        target_id: int,
        at: datetime,
        *,
        k: int = 3,
        permission: str | None = None,
    ) -> PathsResult:
        permission_id = None if permission is None else permission_id_of(permission)
        if permission is not None and permission_id is None:
            raise NotFoundError(f"No permission {permission!r}.", field="permission")
        sql = render(q.PATHS)
        params = {
            "at": db_time(at),
            "source": source_id,
            "target": target_id,
            "nid": permission_id,
            "max_chain": MAX_CHAIN,
        }
        rows = self._fetch("paths", sql, params)
        delegations = {
            row["id"]: row for row in delegation_rows({i for r in rows for i in split_ids(r[2])})
        }
        chains = [
            Chain(
                [
                    delegation_edge(delegations[link], lent_label(delegations[link]))
                    for link in split_ids(links)
                ],
                hops,
                weight,
            )
            for hops, weight, links in rows
        ]
        return PathsResult(*rank_chains(chains, k), sql)

    def reporting_cycles(self, at: datetime) -> list[list[int]]:
        params = {"at": db_time(at), "max_depth": MAX_ORG_DEPTH}
        rows = self._fetch("reporting_cycles", render(q.REPORTING_CYCLES), params)
        return [split_ids(persons) for _, persons in rows]

    # --- for services: who may be affected by a change ----------------------------------------
    def downstream(self, person_ids: Iterable[int], budget: int = MAX_CHAIN) -> set[int]:
        """The people given and everyone they may have passed something on to: followed
        through unrevoked delegations while `budget` (then each link's limit) allows."""
        ids = list(person_ids)
        if not ids:
            return set()
        origins, params = in_list(ids)
        params["budget"] = budget
        rows = self._fetch("downstream", render(q.DOWNSTREAM, origins), params)
        return {row[0] for row in rows}


def permission_id_of(codename: str) -> int | None:
    return Permission.objects.filter(codename=codename).values_list("id", flat=True).first()


def delegation_rows(ids: Iterable[int]) -> list[dict[str, Any]]:
    # cast: django-stubs' row type says the nullable role_id/permission_id are always int.
    rows = Delegation.objects.filter(pk__in=list(ids)).values(
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
    return cast(list[dict[str, Any]], list(rows))


def lent_label(row: dict[str, Any]) -> str:
    if row["role_id"]:
        return f"role:{row['role__code']}"
    return f"permission:{row['permission__codename']}"
