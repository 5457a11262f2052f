"""The SQL backend and the Neo4j backend give the same answers, proofs included.

Hypothesis draws small schools (WORLDS of them, derandomized): an org chart (units, reporting
lines), a role hierarchy with diamonds and shared parents (a role inherits up to two others,
sometimes the lower one written after the other) and permissions granted by several roles,
assignments (some scoped to a unit, with windows), and a delegation history: roles and
narrowed permissions, windows starting, ending and revoked mid-chain, re-delegation limits 0 to
3, weights 1 or 2 (so equal-weight alternatives), attempted cycles. Both backends then answer
every question of the interface at one moment, often exactly at a window's boundary: check
(decision, proof, hops, weight, cycles) of every person and permission, and about one unit and
scope for one permission; who-can page by page; holdings and a what-can; the k shortest and
cheapest paths from every delegator; manager chains, reports, the common manager and the unit
tree. The answers must be equal once serialized to JSON (the `query` text aside); a failure
shows the (shrunk) world and the first questions that differ. Names mix case and accents so
that any collation-dependent order shows. A world costs about 0.7 s on the 2-core development
machine, so WORLDS keeps CI near 3 minutes; the run's tally is logged at INFO.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.exceptions import ServiceError
from delegation import services
from delegation.graph.base import GraphBackend
from delegation.graph.neo4j import Neo4jGraphBackend
from delegation.graph.sql import SqlGraphBackend
from delegation.models import Delegation
from delegation.tests.factories import PermissionFactory
from people import services as people_services
from people.tests.factories import DAY, T0, OrgUnitFactory, PersonFactory

pytestmark = pytest.mark.graph
logger = logging.getLogger(__name__)
NAMES = ["adam", "Adam", "Zoe", "zed", "Émile", "eve", "Ölaf", "bob"]
CODENAMES = ["library.circulate", "library.catalogue", "blog.publish"]
# Delegations start, end and are revoked this long after a day begins (assignments on the day).
EDGE = timedelta(microseconds=300)
# Worlds per run: each is written through the services, projected and asked everything.
WORLDS = 200


@dataclass
class Plan:
    """One random school, and the moment and unit its questions are about."""

    people: list[tuple[str, str, int | None]]  # given, family, unit index
    units: list[tuple[str, int | None]]  # name, parent index (lower)
    lines: list[tuple[int, int]]  # person, manager (lower index: acyclic)
    # permissions, parents (lower indexes: acyclic; two make diamonds and shared parents), and
    # whether the lower parent is inherited after the other (its edge then comes second)
    roles: list[tuple[list[int], list[int], bool]]
    assignments: list[tuple[int, int, int, int | None, int | None]]  # person, role, from,
    # days, scope unit
    # parent (an assignment, then earlier delegations), delegatee, narrowed to a permission,
    # start, days, re-delegations, weight, revoked after days
    delegations: list[tuple[int, int, int | None, int, int | None, int, int, int | None]]
    day: int  # the questions are asked `day` days after T0,
    on_delegation_edge: bool  # at the microsecond delegations start, end and are revoked at
    unit: int  # and the scoped checks about this unit


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    n_people = draw(st.integers(3, 6))
    n_units = draw(st.integers(1, 4))
    n_roles = draw(st.integers(1, 4))
    units = [
        (draw(st.sampled_from(NAMES)), draw(st.none() | st.integers(0, i - 1)) if i else None)
        for i in range(n_units)
    ]
    people = [
        (
            draw(st.sampled_from(NAMES)),
            draw(st.sampled_from(NAMES)),
            draw(st.none() | st.integers(0, n_units - 1)),
        )
        for _ in range(n_people)
    ]
    lines = [(i, draw(st.integers(0, i - 1))) for i in range(1, n_people) if draw(st.booleans())]
    roles = [
        (
            draw(st.lists(st.integers(0, len(CODENAMES) - 1), max_size=2, unique=True)),
            draw(st.lists(st.integers(0, i - 1), max_size=2, unique=True)) if i else [],
            draw(st.booleans()),
        )
        for i in range(n_roles)
    ]
    person, role = st.integers(0, n_people - 1), st.integers(0, n_roles - 1)
    assignments = draw(
        st.lists(
            st.tuples(
                person,
                role,
                st.integers(-5, 0),
                st.none() | st.integers(4, 15),
                st.none() | st.integers(0, n_units - 1),
            ),
            min_size=2,
            max_size=5,
        )
    )
    delegations = [
        draw(
            st.tuples(
                st.integers(0, len(assignments) + number - 1),
                person,
                st.none() | st.integers(0, len(CODENAMES) - 1),
                st.integers(0, 4),
                st.none() | st.integers(2, 12),
                st.integers(0, 3),
                st.integers(1, 2),  # few weights: many equal-weight alternatives
                st.none() | st.integers(1, 8),
            )
        )
        for number in range(draw(st.integers(0, 10)))
    ]
    return Plan(
        people,
        units,
        lines,
        roles,
        assignments,
        delegations,
        draw(st.integers(0, 13)),
        draw(st.booleans()),
        draw(st.integers(0, n_units - 1)),
    )


def build(plan: Plan) -> tuple[list[int], list[int]]:
    """Write `plan` through the services (refused delegations are skipped, as staff would see
    them refused); returns the people's and the units' ids."""
    units: list[Any] = []
    for name, parent in plan.units:
        units.append(OrgUnitFactory(name=name, parent=None if parent is None else units[parent]))
    people = [
        PersonFactory(
            given_name=given, family_name=family, org_unit=None if u is None else units[u]
        )
        for given, family, u in plan.people
    ]
    for person, manager in plan.lines:
        people_services.reporting_line_create(
            actor=None, person=people[person], manager=people[manager], valid_from=T0 - DAY
        )
    permissions = [PermissionFactory(codename=codename) for codename in CODENAMES]
    roles: list[Any] = []
    for number, (granted, parents, lower_later) in enumerate(plan.roles):
        inherits = [roles[i] for i in sorted(parents)]
        made = services.role_create(
            actor=None,
            code=f"role-{number}",
            name=f"Role {number}",
            permissions=[permissions[i] for i in granted],
            inherits=inherits[1:] if lower_later else inherits,
        )
        if lower_later:
            services.role_update(actor=None, role=made, inherits=inherits)
        roles.append(made)
    for person, role, start, days, scope in plan.assignments:
        services.assignment_create(
            actor=None,
            person=people[person],
            role=roles[role],
            scope_unit=None if scope is None else units[scope],
            valid_from=T0 + start * DAY,
            valid_to=None if days is None else T0 + (start + days) * DAY,
        )
    # What each assignment, then each delegation, put in someone's hands, and from which day:
    # (person, role, permission, start). A delegation lends on what its parent lent, or one
    # permission of it; most are valid, some are refused (expired parent, spent budget).
    held: list[tuple[int, Any, Any, int] | None] = [
        (person, roles[role], None, max(start, 0)) for person, role, start, _, _ in plan.assignments
    ]
    for parent, target, narrow, start, days, hops, weight, revoke in plan.delegations:
        source = held[parent]
        held.append(None)
        if source is None:
            continue
        person, lent_role, permission, since = source
        start = max(start, since)
        begins = T0 + start * DAY + EDGE
        if target == person:
            target = (target + 1) % len(people)
        if (
            narrow is not None
            and lent_role is not None
            and covered(plan, role_index(roles, lent_role))
        ):
            options = sorted(covered(plan, role_index(roles, lent_role)))
            lent_role, permission = None, permissions[options[narrow % len(options)]]
        try:
            with transaction.atomic():
                link = services.delegation_create(
                    actor=None,
                    delegator=people[person],
                    delegatee=people[target],
                    role=lent_role,
                    permission=permission,
                    valid_from=begins,
                    expires_at=None if days is None else begins + days * DAY,
                    max_redelegations=hops,
                    weight=weight,
                )
                if revoke is not None:
                    services.delegation_revoke(
                        actor=None, delegation=link, at=begins + revoke * DAY
                    )
        except ServiceError:
            continue
        held[-1] = (target, lent_role, permission, start)
    return [p.pk for p in people], [u.pk for u in units]


def role_index(roles: list[Any], role: Any) -> int:
    return roles.index(role)


def covered(plan: Plan, role: int) -> set[int]:
    """The permissions (indexes into CODENAMES) role number `role` grants, inherited too."""
    granted, parents, _ = plan.roles[role]
    return set(granted).union(*(covered(plan, parent) for parent in parents))


def answers(graph: GraphBackend, plan: Plan, people: list[int], units: list[int]) -> dict[str, Any]:
    """Every question of the interface about this school at the plan's moment, as plain data."""
    at = T0 + plan.day * DAY + (EDGE if plan.on_delegation_edge else timedelta())
    unit = units[plan.unit]
    out: dict[str, Any] = {}
    for codename in CODENAMES:
        for person in people:
            out[f"check {person} {codename}"] = _plain(graph.check(person, codename, at))
            if codename == CODENAMES[plan.day % len(CODENAMES)]:  # one a world: CI's time
                out[f"check {person} {codename} in {unit}"] = _plain(
                    graph.check(person, codename, at, unit=unit)
                )
                scope = graph.scope(person, codename, at)
                out[f"scope {person} {codename}"] = [scope.everywhere, sorted(scope.units)]
        out[f"who_can {codename}"] = who_can_pages(graph, codename, at)
    facts = {"manager_chain", "reports", "roles", "permissions"}
    out["facts"] = graph.people_facts(people, facts, at)
    out["what_can"] = _plain(graph.what_can(people[plan.day % len(people)], at))
    delegators = set(Delegation.objects.values_list("delegator_id", flat=True))
    for source in sorted(delegators):
        for target in people:
            if source != target:
                out[f"paths {source} {target}"] = _plain(graph.paths(source, target, at, k=3))
        out[f"paths {source} {CODENAMES[0]}"] = _plain(
            graph.paths(source, people[-1], at, k=2, permission=CODENAMES[0])
        )
    out["lcm"] = _plain(graph.lowest_common_manager(people[-1], people[-2], at))
    out["units"] = _plain(graph.unit_tree())
    out["units of the first"] = _plain(graph.unit_tree(units[0]))
    return json.loads(json.dumps(out, cls=DjangoJSONEncoder))


def who_can_pages(graph: GraphBackend, codename: str, at: datetime) -> list[Any]:
    """Every page of holders, two at a time: the pages and their cursors must agree too."""
    pages, after = [], 0
    while True:
        page = graph.who_can(codename, at, after=after, limit=2)
        pages.append(_plain(page))
        if page.complete or page.next_cursor is None:
            return pages
        after = page.next_cursor


def _plain(answer: Any) -> Any:
    """The answer without its query text."""
    data = asdict(answer)
    data.pop("query", None)
    return data


@dataclass
class Tally:
    """What the run compared, printed at its end."""

    worlds: int = 0
    questions: int = 0
    checks: int = 0
    proofs: int = 0
    differences: int = 0

    def count(self, sql: dict[str, Any]) -> None:
        checks = [answer for key, answer in sql.items() if key.startswith("check ")]
        self.worlds += 1
        self.questions += len(sql)
        self.checks += len(checks)
        self.proofs += sum(1 for answer in checks if answer["proof"])


def differences(plan: Plan, sql: dict[str, Any], cypher: dict[str, Any]) -> str:
    """The world and the first questions answered differently, for the failure message."""
    keys = [key for key in sorted(sql.keys() | cypher.keys()) if sql.get(key) != cypher.get(key)]
    shown = "\n".join(
        f"{key}:\n  sql:    {sql.get(key)}\n  cypher: {cypher.get(key)}" for key in keys[:5]
    )
    return f"{len(keys)} questions differ in {plan}\n{shown}"


def test_sql_and_cypher_backends_answer_alike(neo4j: Neo4jGraphBackend, db: None) -> None:
    tally = Tally()

    @settings(
        max_examples=WORLDS,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(plan=plans())
    def compare(plan: Plan) -> None:
        neo4j.run("clear", "MATCH (n) DETACH DELETE n")
        with transaction.atomic():
            people, units = build(plan)
            neo4j.rebuild()
            sql = answers(SqlGraphBackend(), plan, people, units)
            cypher = answers(neo4j, plan, people, units)
            transaction.set_rollback(True)
        tally.count(sql)
        if cypher != sql:
            tally.differences += 1
            raise AssertionError(differences(plan, sql, cypher))

    compare()
    logger.info("differential: %s", tally)
