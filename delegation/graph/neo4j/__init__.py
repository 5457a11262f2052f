"""The Neo4j graph backend, through neomodel: the same answers as the SQL backend, in Cypher.

The graph is a projection of the SQL tables kept current by the outbox (`graph_sync`), so
writes never go here directly. Cypher lives in `cypher_org` (org chart), `cypher_authz`
(authorization) and `cypher_sync` (projection); node and edge classes in `nodes`.
Each query is timed as one graph call (`common.telemetry`), with its text for the toolbar.

Faults: every query goes through the graph breaker (`common.breaker`, name `graph`); inside a
request it waits at most GRAPH_QUERY_DEADLINE (`common.deadlines.call_with_deadline`: the
driver has no read timeout once a connection is up, so a hung server would hold the request
forever). A new or free connection is waited for at most GRAPH_CONNECT_TIMEOUT (neomodel's
driver settings). Failures that say the store is out, not that a query is wrong, count.
"""

from __future__ import annotations

import io
import json
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django.conf import settings
from neo4j.exceptions import ServiceUnavailable, SessionExpired
from neomodel import db, get_config

from common import deadlines, outbox, telemetry
from common.breaker import Breaker, breaker
from common.exceptions import NotFoundError
from delegation.graph import projector, watermark
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
    is_profiling,
    micros,
    moment,
    profiling,
    proof_key,
    rank_chains,
    ranked_cycles,
    sorted_people,
)
from delegation.graph.explain import RoleGraph, delegation_edge, parse_grant
from delegation.graph.neo4j import cypher_authz as authz
from delegation.graph.neo4j import cypher_org as org
from delegation.graph.neo4j import cypher_sync as sync
from delegation.graph.neo4j.nodes import NODE_CLASSES, required_properties

# Errors that mean the store is out (count towards the breaker), not that a query is wrong.
OUTAGE = (deadlines.DeadlineExceeded, OSError, ServiceUnavailable, SessionExpired)


def query_deadline() -> float | None:
    """Seconds a request waits for a graph query; None outside requests or when 0."""
    if not deadlines.in_request():
        return None
    return float(settings.GRAPH_QUERY_DEADLINE) or None


def graph_breaker() -> Breaker:
    """The process's graph breaker; its probe pings within the query deadline."""
    found = breaker("graph")

    def probe() -> None:
        seconds = settings.GRAPH_QUERY_DEADLINE or 5.0
        deadlines.call_with_deadline(lambda: db.cypher_query("RETURN 1", {}), seconds)

    found.probe = probe
    return found


@dataclass(frozen=True)
class Operator:
    """One operator of a profiled plan (Neo4j's PROFILE), with the operators feeding it."""

    name: str
    details: str
    rows: int
    db_hits: int
    children: tuple[Operator, ...] = ()

    @classmethod
    def of(cls, plan: dict[str, Any]) -> Operator:
        return cls(
            name=str(plan.get("operatorType", "")).split("@")[0],
            details=str(plan.get("args", {}).get("Details", "")),
            rows=int(plan.get("rows", 0)),
            db_hits=int(plan.get("dbHits", 0)),
            children=tuple(cls.of(child) for child in plan.get("children", [])),
        )

    def walk(self) -> Iterator[tuple[int, Operator]]:
        """Every operator with its depth, this one first (the order PROFILE prints)."""
        yield 0, self
        for child in self.children:
            yield from ((depth + 1, op) for depth, op in child.walk())

    @property
    def total_db_hits(self) -> int:
        return sum(op.db_hits for _, op in self.walk())

    def text(self) -> str:
        """The plan as Cypher comments, one operator a line, indented under its parent."""
        lines = [f"// PROFILE: {self.total_db_hits} db hits in all"]
        lines += [
            f"// {'  ' * depth}{op.name} rows={op.rows} db_hits={op.db_hits} {op.details}".rstrip()
            for depth, op in self.walk()
        ]
        return "\n".join(lines)


def with_params(cypher: str, params: dict[str, Any]) -> str:
    """The Cypher preceded by its parameters as Neo4j Browser `:param` lines, so the text shown
    is one a student can paste and run with the values that ran."""
    lines = [
        f":param {name} => {json.dumps(value, default=str)};" for name, value in params.items()
    ]
    return "\n".join([*lines, cypher]) if lines else cypher


@dataclass(frozen=True)
class Held:
    """How a grant reached a person, over the chains found so far (`HOLDINGS`)."""

    hops: int
    scoped: int | None
    unscoped: bool

    def merged(self, other: Held | None) -> Held:
        if other is None:
            return self
        scoped = [unit for unit in (self.scoped, other.scoped) if unit is not None]
        return Held(
            min(self.hops, other.hops), min(scoped, default=None), self.unscoped or other.unscoped
        )

    def row(self, label: str) -> dict[str, Any]:
        """The holdings row of the grant labelled `label` (`role:<code>`, `permission:<name>`)."""
        return {
            "name": label.split(":", 1)[1],
            "hops": self.hops,
            "scope_unit": held_scope(self.unscoped, self.scoped),
        }


class Neo4jGraphBackend(GraphBackend):
    name = "neo4j"

    def __init__(self, bolt_url: str) -> None:
        config = get_config()
        config.database_url = bolt_url
        # The driver's defaults wait 30 s to connect and 60 s for a free connection.
        config.connection_timeout = settings.GRAPH_CONNECT_TIMEOUT
        config.connection_acquisition_timeout = settings.GRAPH_CONNECT_TIMEOUT
        config.max_transaction_retry_time = settings.GRAPH_CONNECT_TIMEOUT
        # neomodel keeps one driver per process, made from the config at the first query: a
        # backend for another URL (settings changed) must not reuse the previous one's.
        db.close_connection()
        self.breaker = graph_breaker()

    def run(self, label: str, cypher: str, params: dict[str, Any] | None = None) -> list[dict]:
        """One timed Cypher call; rows as dicts keyed by the RETURN names."""
        rows, columns, _ = self._call(label, cypher, params or {})
        return [dict(zip(columns, row, strict=True)) for row in rows]

    def profile(self, cypher: str, params: dict[str, Any]) -> Operator:
        """`PROFILE <cypher>`'s plan: each operator with its rows and db hits."""
        with profiling():
            _, _, plan = self._call("profile", cypher, params)
        return cast(Operator, plan)

    def _call(
        self, label: str, cypher: str, params: dict[str, Any]
    ) -> tuple[list, list[str], Operator | None]:
        """Rows, column names and, inside `base.profiling()`, the plan of one Cypher call,
        through the breaker and the request's deadline, recorded for telemetry (the plan too)."""
        detail: dict[str, Any] = {"backend": self.name, "query": with_params(cypher, params)}
        profiled = is_profiling()  # read here: in a request the call runs on another thread
        started = time.perf_counter()
        try:
            rows, columns, plan = self.breaker.call(
                lambda: deadlines.call_with_deadline(
                    lambda: self._execute(cypher, params, profiled), query_deadline()
                ),
                failures=OUTAGE,
            )
            if plan is not None:
                detail["plan"] = plan
        finally:
            telemetry.record("graph", time.perf_counter() - started, label, **detail)
        return rows, columns, plan

    @staticmethod
    def _execute(
        cypher: str, params: dict[str, Any], profiled: bool
    ) -> tuple[list, list[str], Operator | None]:
        if not profiled:
            found, names = db.cypher_query(cypher, params)
            return found, list(names), None
        if db.driver is None:  # neomodel connects on its first query
            db.cypher_query("RETURN 1")
        # neomodel's cypher_query keeps the rows only; the plan is in the result's summary.
        with db.driver.session() as session:  # type: ignore[union-attr]
            result = session.run(f"PROFILE {cypher}", params)
            rows = [list(record.values()) for record in result]
            columns, summary = list(result.keys()), result.consume()
        return rows, columns, Operator.of(summary.profile or {})

    def ping(self) -> None:
        self.run("ping", "RETURN 1")

    # --- maintenance: constraints, projection, verification -----------------------------------
    def install_constraints(self) -> list[str]:
        """Uniqueness constraints of every key the classes declare (neomodel's
        `install_labels`, edges' keys included), the markers' keys and the validity indexes
        (`cypher_sync.SCHEMA`), and, on Enterprise only (`NEO4J_ENTERPRISE`), an existence
        constraint per required property. Idempotent. Returns what was installed."""
        for cls in NODE_CLASSES:
            # neomodel writes "already exists" for each constraint found: expected here.
            db.install_labels(cls, quiet=True, stdout=io.StringIO())
        installed = [cls.__name__ for cls in NODE_CLASSES]
        for statement in sync.SCHEMA:
            self.run("schema", statement)
        installed.append(f"{len(sync.SCHEMA)} marker keys and relationship indexes")
        if settings.NEO4J_ENTERPRISE:
            constraints = sync.existence_constraints(required_properties())
            for statement in constraints:
                self.run("schema", statement)
            installed.append(f"{len(constraints)} existence constraints")
        return installed

    def apply(self, statement: str, params: dict[str, Any]) -> list[dict]:
        return self.run("sync", statement, params)

    def sync(self) -> int:
        """Drain the outbox into the graph; returns the number of events applied."""
        return projector.drain(self.apply, atomic=lambda: db.transaction)

    def rebuild(self) -> int:
        """Project every SQL row again over the graph in place (no empty window), then the
        pending events (`projector.rebuild`), then drain once more, which sets the watermark
        the rebuild reset; returns how many pending events were applied."""
        applied = projector.rebuild(self.apply, self.keys)
        return applied + self.sync()

    def applied_position(self) -> int:
        """The graph's watermark: every outbox event at or below it is applied here."""
        return watermark.read(self.apply).pos

    def keys(self, element: str) -> set[int]:
        return {row["id"] for row in self.run("keys", sync.KEYS[element])}

    def orphans(self) -> list[dict]:
        return self.run("orphans", sync.ORPHANS)

    def cycles(self, at: datetime) -> dict[str, list[list[int]]]:
        reporting = self.run("reporting_cycles", sync.REPORTING_CYCLES, {"at": micros(at)})
        roles = self.run("inheritance_cycles", sync.INHERITANCE_CYCLES)
        return {
            "reporting": [row["cycle"] for row in reporting],
            "inheritance": [row["cycle"] for row in roles],
        }

    def delete(self, element: str, ids: Iterable[int]) -> None:
        """Repair: remove elements SQL no longer has, as of the newest outbox position."""
        top = outbox.top_position()
        self.apply(sync.DELETE[element], {"rows": [{"id": key, "pos": top} for key in ids]})

    def upsert(
        self, element: str, instances: Iterable[Any], floor: dict[int, int] | None = None
    ) -> None:
        """Repair: project SQL's rows, each at the position of the newest event about it, or at
        `floor[id]` (the position the graph holds for it) when higher: SQL's current state is
        at least as new as every event already applied, and an outbox pruned since would
        otherwise leave a position the graph refuses as older."""
        stamps, floor = projector.last_positions(), floor or {}
        rows = [
            projector.graph_row(
                element,
                outbox.state(item),
                max(stamps.get((element, item.pk), 0), floor.get(item.pk, 0)),
            )
            for item in instances
        ]
        if rows:
            self.apply(sync.UPSERT[element], {"rows": rows})

    def verified_rows(self, element: str) -> list[dict]:
        """Every element of a kind with its verified properties and position (`verify`)."""
        return self.run("verify", sync.VERIFY[element])

    def missing_required(self) -> list[tuple[str, str, str, int]]:
        """`(kind, label or type, property, key)` of every node or edge lacking a property
        its class declares required."""
        return [
            (kind, name, prop, row["id"])
            for kind, name, prop in required_properties()
            for row in self.run("required", sync.missing_required(kind, name, prop))
        ]

    @classmethod
    def elements_of(cls, found: Iterable[tuple[str, str, str, int]]) -> dict[str, list[int]]:
        """`missing_required` rows grouped as `{element: [keys]}`."""
        by_type = {rel: element for element, (rel, _) in sync.EDGE_KEYS.items()}
        grouped: dict[str, list[int]] = defaultdict(list)
        for kind, name, _, key in found:
            element = cls.element_of_label(name) if kind == "node" else by_type[name]
            if key is not None and key not in grouped[element]:
                grouped[element].append(key)
        return dict(grouped)

    @staticmethod
    def element_of_label(label: str) -> str:
        return {value: key for key, value in sync.NODE_LABELS.items()}[label]

    # --- org chart ---------------------------------------------------------------------------
    def manager_chains(self, ids: Sequence[int], at: datetime) -> tuple[dict, str]:
        cypher = org.bounded(org.MANAGER_CHAINS, MAX_ORG_DEPTH)
        chains: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in self.run("manager_chain", cypher, {"ids": list(ids), "at": micros(at)}):
            chains[row.pop("origin")].append(row)
        return {origin: sorted_people(rows) for origin, rows in chains.items()}, cypher

    def reports_of(self, ids: Sequence[int], at: datetime, max_depth: int) -> tuple[dict, str]:
        cypher = org.bounded(org.REPORTS, min(max_depth, MAX_ORG_DEPTH))
        reports: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in self.run("reports", cypher, {"ids": list(ids), "at": micros(at)}):
            reports[row.pop("origin")].append(row)
        return {origin: sorted_people(rows) for origin, rows in reports.items()}, cypher

    def lowest_common_manager(self, a: int, b: int, at: datetime) -> Answer:
        cypher = org.bounded(org.LOWEST_COMMON_MANAGER, MAX_ORG_DEPTH)
        return Answer(
            self.run("lowest_common_manager", cypher, {"a": a, "b": b, "at": micros(at)}), cypher
        )

    def unit_tree(self, root_id: int | None = None) -> Answer:
        cypher = org.bounded(org.UNIT_TREE, MAX_ORG_DEPTH)
        return Answer(depth_first(self.run("unit_tree", cypher, {"root": root_id})), cypher)

    # --- authorization -----------------------------------------------------------------------
    def _roles(self) -> RoleGraph:
        return RoleGraph(tuple(row.values()) for row in self.run("role_edges", authz.ROLE_EDGES))

    def _permission_key(self, codename: str) -> str | None:
        rows = self.run("permission", authz.PERMISSION_KEY, {"codename": codename})
        return next(iter(rows[0].values())) if rows else None

    def _authz(
        self, label: str, template: str, roles: RoleGraph, at: datetime, **params: Any
    ) -> tuple[list[dict], str]:
        cypher = authz.bounded(template, MAX_CHAIN, MAX_ORG_DEPTH)
        rows = self.run(label, cypher, {"at": micros(at), "cover": roles.cover_pairs(), **params})
        return rows, cypher

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
        need = self._permission_key(permission)
        if need is None:
            return result
        roles = self._roles()
        common = {"person": person_id, "need": need}
        rows, result.query = self._authz(
            "check", authz.CHECK, roles, at, min_budget=0, unit=unit, **common
        )
        cycles, _ = self._authz("cycles", authz.CYCLES, roles, at, **common)
        result.cycles = ranked_cycles([row["cycle"] for row in cycles])
        if rows:
            result.allowed, result.hops, result.weight = True, rows[0]["hops"], rows[0]["weight"]
            if explain:
                best = min(
                    rows[0]["tied"],
                    key=lambda proof: proof_key(
                        [link["id"] for link in proof["chain"]], proof["assignment_id"]
                    ),
                )
                result.proof = self._proof(best, roles, parse_grant(need))
        return result

    def _proof(self, best: dict[str, Any], roles: RoleGraph, need: tuple[str, int]) -> list[Edge]:
        role = ("r", best["role_id"])
        edges = [
            Edge(
                "assignment",
                f"person:{best['person_id']}",
                roles.name(role),
                best["assignment_id"],
                moment(best["valid_from"]),
                moment(best["valid_to"]),
            )
        ]
        held = role
        for link in best["chain"]:
            lent = parse_grant(link["grant"])
            edges += roles.path(held, lent)
            edges.append(self._link_edge(link, roles))
            held = lent
        return edges + roles.path(held, need)

    @staticmethod
    def _link_edge(link: dict[str, Any], roles: RoleGraph) -> Edge:
        row = {
            **link,
            **{key: moment(link[key]) for key in ("valid_from", "expires_at", "revoked_at")},
        }
        return delegation_edge(row, roles.name(parse_grant(link["grant"])))

    def scope(self, person_id: int, permission: str, at: datetime) -> Scope:
        need = self._permission_key(permission)
        if need is None:
            return Scope(everywhere=False, query=authz.bounded(authz.SCOPE, MAX_CHAIN))
        rows, cypher = self._authz(
            "scope", authz.SCOPE, self._roles(), at, person=person_id, need=need
        )
        return Scope(
            everywhere=any(row["scope"] is None for row in rows),
            units=frozenset(unit for row in rows for unit in row["units"]),
            query=cypher,
        )

    def who_can(self, permission: str, at: datetime, *, after: int = 0, limit: int = 50) -> Page:
        shown = f"{authz.WHO_CAN_ROOTS}\n\n-- then once per hop:\n{authz.WHO_CAN_STEP}"
        need = self._permission_key(permission)
        if need is None:
            return Page([], None, True, shown)
        hops = self._holders(need, self._roles().cover_pairs(), micros(at))
        ids = sorted(person for person in hops if person > after)[: limit + 1]
        names = {
            row["id"]: row["name"]
            for row in self.run("who_can_names", authz.PEOPLE_NAMES, {"ids": ids[:limit]})
        }
        items = [{"id": pid, "name": names.get(pid), "hops": hops[pid]} for pid in ids[:limit]]
        more = len(ids) > limit
        return Page(items, items[-1]["id"] if more else None, not more, shown)

    def _holders(self, need: str, cover: list[str], at: int) -> dict[int, int]:
        """`{person: fewest hops}` of everyone holding `need`, breadth first over a frontier of
        `(person, grant held) -> the most re-delegations still allowed` (None: an assignment,
        unlimited). A state no better than one already reached adds nothing: a chain through it
        is matched by one at least as short with at least the same room, as `covers` is
        transitive and the room only shrinks along a chain; so walks need not be simple."""
        params = {"need": need, "cover": cover, "at": at}
        roots = self.run("who_can", authz.WHO_CAN_ROOTS, params)
        best: dict[tuple[int, str], int | None] = {(r["person"], r["grant"]): None for r in roots}
        hops = {person: 0 for person, _ in best}
        frontier = dict(best)
        for hop in range(1, MAX_CHAIN + 1):
            held = [
                {"person": person, "grant": grant, "room": room}
                for (person, grant), room in frontier.items()
                if room is None or room >= 1
            ]
            if not held:
                break
            frontier = {}
            for row in self.run("who_can_hop", authz.WHO_CAN_STEP, {**params, "frontier": held}):
                key, room = (row["person"], row["grant"]), row["room"]
                known = best.get(key, -1)
                if known is not None and room > known:  # None: an assignment, unbeatable
                    best[key] = frontier[key] = room
                    hops.setdefault(row["person"], hop)
        return hops

    def holdings(self, ids: Sequence[int], at: datetime) -> tuple[dict, str]:
        roles = self._roles()
        rows, cypher = self._authz("holdings", authz.HOLDINGS, roles, at, ids=list(ids))
        held: dict[int, dict[str, list]] = defaultdict(lambda: {"role": [], "permission": []})
        # Per origin and permission: fewest hops, lowest scoped root, whether one is unscoped.
        permissions: dict[int, dict[str, Held]] = defaultdict(dict)
        for row in rows:
            grant = parse_grant(row["held"])
            found = Held(row["hops"], row["scoped"], bool(row["unscoped"]))
            if grant[0] == "r":
                held[row["origin"]]["role"].append(found.row(roles.name(grant)))
            for included in roles.covered(grant):
                if included[0] == "p":
                    name = roles.name(included)
                    known = permissions[row["origin"]].get(name)
                    permissions[row["origin"]][name] = found.merged(known)
        for origin, names in permissions.items():
            held[origin]["permission"] = [found.row(name) for name, found in sorted(names.items())]
        for facts in held.values():
            facts["role"].sort(key=lambda row: row["name"])
        return held, cypher

    def paths(
        self,
        source_id: int,
        target_id: int,
        at: datetime,
        *,
        k: int = 3,
        permission: str | None = None,
    ) -> PathsResult:
        need = None
        if permission is not None:
            need = self._permission_key(permission)
            if need is None:
                raise NotFoundError(f"No permission {permission!r}.", field="permission")
        roles = self._roles()
        rows, cypher = self._authz(
            "paths", authz.PATHS, roles, at, source=source_id, target=target_id, need=need
        )
        chains = [
            Chain(
                [self._link_edge(link, roles) for link in row["chain"]], row["hops"], row["weight"]
            )
            for row in rows
        ]
        return PathsResult(*rank_chains(chains, k), cypher)
