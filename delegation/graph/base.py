"""The interface every graph backend implements; the contract tests hold each backend to it.

Every answer carries `query`: the SQL or Cypher text that produced it, so the explorer page can
show students how the question was asked.

Both backends give the same answers, equal after JSON serialization, so every order is defined
here, on integers and on names compared by code point (never a database collation):
- people in org answers: depth, then family name, given name, id (`person_order`);
- units: depth-first from each root, siblings by name (a missing name as ''), then id
  (`depth_first`);
- delegation chains: a chain's links are compared as the list of their ids from the first link
  (nearest the assignment) to the last, as integers (`chain_ids`); proofs: hops, weight, that
  list, assignment id; paths: shortest by (hops, weight, list), cheapest by (weight, hops,
  list) (`rank_chains`);
- holdings: roles and permissions each by name (role code, permission codename);
- cycles: a cycle is a chain into the person whose farthest delegator appears again on it, every
  other person once; reported as link ids in chain order, by (length, ids), at most 20.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from delegation.graph.consistency import Consistency

# The longest delegation chain any query follows; services refuse a re-delegation limit that
# would need a longer one, so the bound never cuts a chain short.
MAX_CHAIN = 8
# The deepest reporting hierarchy the org-chart queries follow (cycles are refused at write time;
# the bound makes a corrupt table terminate anyway).
MAX_ORG_DEPTH = 64
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def micros(at: datetime) -> int:
    """Microseconds since the epoch, exactly: the graph stores times as integers so that they
    round-trip (a float of epoch seconds holds about 16 digits, one short of microseconds)."""
    return (at - EPOCH) // MICROSECOND


def moment(value: int | None) -> datetime | None:
    """The time a graph property holds (`micros`), or None for an open end."""
    return None if value is None else EPOCH + value * MICROSECOND


@dataclass(frozen=True)
class Edge:
    """One edge of a proof or chain: `kind` is assignment, inherits, grants or delegation."""

    kind: str
    source: str
    target: str
    id: int | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class CheckResult:
    """`allowed`, and when it is, the best proof: the shortest path, then the lightest."""

    person_id: int
    permission: str
    at: datetime
    allowed: bool
    proof: list[Edge] = field(default_factory=list)
    hops: int = 0
    weight: int = 0
    cycles: list[list[int]] = field(default_factory=list)
    query: str = ""
    # Set by `consistent_check`: the store that decided (`sql` or the graph's name), the
    # outbox position it reflected (a consistency token), and the guarantee the answer carries.
    decided_by: str = ""
    position: str | None = None
    consistency: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Chain:
    """A delegation chain between two people: its links in order, hop count and total weight."""

    links: list[Edge]
    hops: int
    weight: int


@dataclass
class PathsResult:
    shortest: list[Chain]
    cheapest: list[Chain]
    query: str = ""


@dataclass
class Page:
    """A page of a possibly long answer. `complete` is true when nothing follows this page."""

    items: list[dict[str, Any]]
    next_cursor: int | None
    complete: bool
    query: str = ""


@dataclass(frozen=True)
class Scope:
    """Where a person holds a permission: everywhere, or within these units (each scoped
    assignment's unit and every unit below it)."""

    everywhere: bool
    units: frozenset[int] = frozenset()
    query: str = ""

    def covers(self, unit_id: int | None) -> bool:
        return self.everywhere or (unit_id is not None and unit_id in self.units)


@dataclass
class Answer:
    """A list answer that fits in one response."""

    items: list[dict[str, Any]]
    query: str = ""


MAX_CYCLES = 20


def person_order(row: dict[str, Any]) -> tuple[int, str, str, int]:
    """The order of people at one origin: depth, family name, given name, id."""
    return (row["depth"], row.pop("family_name") or "", row.pop("given_name") or "", row["id"])


def sorted_people(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`rows` (with `family_name` and `given_name`, dropped here) in `person_order`."""
    keyed = [(person_order(row), row) for row in rows]
    return [row for _, row in sorted(keyed, key=lambda pair: pair[0])]


def depth_first(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Unit rows (`id`, `parent_id`, `name`, ...) depth-first, siblings by (name, id)."""
    ids = {row["id"] for row in rows}
    children: dict[int | None, list[dict[str, Any]]] = {}
    for row in rows:
        parent = row["parent_id"] if row["parent_id"] in ids else None
        children.setdefault(parent, []).append(row)
    ordered: list[dict[str, Any]] = []
    stack = sorted(children.get(None, []), key=_sibling_order, reverse=True)
    while stack:
        row = stack.pop()
        ordered.append(row)
        stack += sorted(children.get(row["id"], []), key=_sibling_order, reverse=True)
    return ordered


def _sibling_order(row: dict[str, Any]) -> tuple[str, int]:
    return (row["name"] or "", row["id"])


def chain_ids(chain: Chain) -> list[int]:
    return [edge.id or 0 for edge in chain.links]


def rank_chains(chains: list[Chain], k: int) -> tuple[list[Chain], list[Chain]]:
    """The k shortest (hops, weight, ids) and the k cheapest (weight, hops, ids) chains."""
    shortest = sorted(chains, key=lambda c: (c.hops, c.weight, chain_ids(c)))[:k]
    cheapest = sorted(chains, key=lambda c: (c.weight, c.hops, chain_ids(c)))[:k]
    return shortest, cheapest


def ranked_cycles(cycles: list[list[int]]) -> list[list[int]]:
    return sorted(cycles, key=lambda cycle: (len(cycle), cycle))[:MAX_CYCLES]


class GraphBackend(ABC):
    name: str

    @abstractmethod
    def ping(self) -> None:
        """Raise if the graph store does not answer."""

    # --- batched primitives: one query each, whatever the number of ids ---------------------
    @abstractmethod
    def manager_chains(
        self, ids: Sequence[int], at: datetime
    ) -> tuple[dict[int, list[dict[str, Any]]], str]:
        """`{id: [{"id", "name", "depth"}]}` nearest manager first, and the query text."""

    @abstractmethod
    def reports_of(
        self, ids: Sequence[int], at: datetime, max_depth: int
    ) -> tuple[dict[int, list[dict[str, Any]]], str]:
        """`{id: [{"id", "name", "depth", "manager_id"}]}` transitive reports, and the query."""

    @abstractmethod
    def holdings(
        self, ids: Sequence[int], at: datetime
    ) -> tuple[dict[int, dict[str, list[dict[str, Any]]]], str]:
        """`{id: {"role": [...], "permission": [...]}}` of `{"name", "hops", "scope_unit"}`:
        the roles that reached each person (hops 0: assigned) and every permission held."""

    # --- batched facts for the directory -------------------------------------------------------
    def people_facts(
        self, person_ids: Sequence[int], facts: Collection[str], at: datetime
    ) -> dict[int, dict[str, Any]]:
        """Graph facts for a whole page of people in one batched call (never one per person).

        Returns `{person_id: {fact: value}}` with only the requested `facts` (a subset of
        common.events.PERSON_FACTS), for every id given; at most one query per fact family:
        - manager_chain: `[{"id": int, "name": str}, ...]` nearest manager first, up to the top
        - reports: `[{"id": int, "name": str, "depth": int}, ...]` transitive, depth 1 = direct
        - roles: `[{"role": str, "scope_unit": int | None, "via": "assignment" | "delegation"}]`
        - permissions: `[str, ...]` sorted codenames the person holds at `at`
        """
        ids = list(dict.fromkeys(person_ids))
        result: dict[int, dict[str, Any]] = {pid: {} for pid in ids}
        if not ids:
            return result
        if "manager_chain" in facts:
            chains, _ = self.manager_chains(ids, at)
            for pid in ids:
                result[pid]["manager_chain"] = [
                    {"id": row["id"], "name": row["name"]} for row in chains.get(pid, [])
                ]
        if "reports" in facts:
            reports, _ = self.reports_of(ids, at, MAX_ORG_DEPTH)
            for pid in ids:
                result[pid]["reports"] = [
                    {"id": row["id"], "name": row["name"], "depth": row["depth"]}
                    for row in reports.get(pid, [])
                ]
        if {"roles", "permissions"} & set(facts):
            held, _ = self.holdings(ids, at)
            for pid in ids:
                result[pid].update(_authority_facts(held.get(pid), facts))
        return result

    # --- org chart ---------------------------------------------------------------------------
    def manager_chain(self, person_id: int, at: datetime) -> Answer:
        """`[{"id", "name", "depth"}]` from the direct manager (depth 1) up to the top."""
        chains, query = self.manager_chains([person_id], at)
        return Answer(chains.get(person_id, []), query)

    def reports(self, person_id: int, at: datetime, max_depth: int = MAX_ORG_DEPTH) -> Answer:
        """`[{"id", "name", "depth", "manager_id"}]` direct (1) and transitive reports."""
        reports, query = self.reports_of([person_id], at, max_depth)
        return Answer(reports.get(person_id, []), query)

    @abstractmethod
    def lowest_common_manager(self, a: int, b: int, at: datetime) -> Answer:
        """`[{"id", "name", "depth_a", "depth_b"}]`: the nearest shared manager (or one of them
        when one manages the other); empty when they share none."""

    @abstractmethod
    def unit_tree(self, root_id: int | None = None) -> Answer:
        """`[{"id", "code", "name", "parent_id", "depth", "people"}]` depth-first from `root_id`
        (every root when None)."""

    # --- authorization -----------------------------------------------------------------------
    @abstractmethod
    def check(
        self,
        person_id: int,
        permission: str,
        at: datetime,
        *,
        explain: bool = True,
        unit: int | None = None,
    ) -> CheckResult:
        """Whether the person holds `permission` at `at`, with any cycles met and (when
        `explain`) the proof; without it the decision costs a single query.

        `unit` is the org unit the question is about (the department whose directory is read,
        the library whose desk lends). A role assignment with a `scope_unit` grants only within
        that unit's subtree: it counts when `unit` is its scope or below it. An assignment
        without a scope counts everywhere. With `unit` None the question is about no unit in
        particular (the whole school), so only unscoped assignments count. A delegation
        carries the scope of the assignment at the root of its chain.
        """

    @abstractmethod
    def applied_position(self) -> int:
        """The highest outbox position P such that every event at or below P is reflected in
        this store (SQL: every committed one, so the newest visible; the Cypher graph: its
        watermark)."""

    def consistent_check(
        self,
        person_id: int,
        permission: str,
        at: datetime,
        *,
        consistency: Consistency | None = None,
        explain: bool = True,
        unit: int | None = None,
        report_position: bool = True,
    ) -> CheckResult:
        """`check` decided by a store at least as fresh as `consistency` asks (default
        `fully_consistent`): this one when it has applied enough, SQL otherwise or when this
        one fails; the answer says who decided and at which position (`graph.consistency`)."""
        from delegation.graph import consistency as modes  # it imports the SQL backend

        return modes.decide(
            self,
            person_id,
            permission,
            at,
            consistency=consistency or modes.FULLY_CONSISTENT,
            explain=explain,
            unit=unit,
            report_position=report_position,
        )

    def scope(self, person_id: int, permission: str, at: datetime) -> Scope:
        """Where the person holds `permission` at `at` (`check` allowed for exactly the units
        the answer covers), in one query: for listing what a scoped holder may see."""
        raise NotImplementedError(f"The {self.name} graph backend cannot answer scope yet.")

    @abstractmethod
    def who_can(self, permission: str, at: datetime, *, after: int = 0, limit: int = 50) -> Page:
        """People holding `permission` at `at`, by id, `limit` at a time after person id `after`."""

    def what_can(self, person_id: int, at: datetime) -> Answer:
        """`[{"permission", "via", "hops"}]`: every permission the person holds at `at`."""
        held, query = self.holdings([person_id], at)
        rows = (held.get(person_id) or {}).get("permission", [])
        return Answer(
            [{"permission": r["name"], "via": _via(r), "hops": r["hops"]} for r in rows], query
        )

    @abstractmethod
    def paths(
        self,
        source_id: int,
        target_id: int,
        at: datetime,
        *,
        k: int = 3,
        permission: str | None = None,
    ) -> PathsResult:
        """The k shortest and k cheapest delegation chains from source to target valid at `at`.

        A chain counts only where each link is valid and unrevoked at `at`, respects the
        re-delegation limits above it, and lends what the link before it lent (or less); with
        `permission`, every link must carry it.
        """


def _via(row: dict[str, Any]) -> str:
    return "assignment" if row["hops"] == 0 else "delegation"


def _authority_facts(
    held: dict[str, list[dict[str, Any]]] | None, facts: Collection[str]
) -> dict[str, Any]:
    held = held or {"role": [], "permission": []}
    out: dict[str, Any] = {}
    if "roles" in facts:
        out["roles"] = [
            {"role": row["name"], "scope_unit": row["scope_unit"], "via": _via(row)}
            for row in held["role"]
        ]
    if "permissions" in facts:
        out["permissions"] = sorted(row["name"] for row in held["permission"])
    return out
