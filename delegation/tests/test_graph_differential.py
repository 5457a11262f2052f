"""The SQL backend and the Neo4j backend give the same answers.

Hypothesis draws small schools: an org chart (units, reporting lines), a role hierarchy with
permissions, assignments (some scoped to a unit), and a delegation history with expiries,
revocations, re-delegation limits, weights and cycles. Both backends then answer every question
of the interface at a few moments, and the answers must be equal once serialized to JSON (the
`query` text aside). Names mix case and accents so that any collation-dependent order shows.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import timedelta
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
from delegation.tests.factories import PermissionFactory
from people import services as people_services
from people.tests.factories import DAY, T0, OrgUnitFactory, PersonFactory

pytestmark = pytest.mark.graph
NAMES = ["adam", "Adam", "Zoe", "zed", "Émile", "eve", "Ölaf", "bob"]
CODENAMES = ["library.circulate", "library.catalogue", "blog.publish"]
MOMENTS = [T0, T0 + 3 * DAY + timedelta(microseconds=500), T0 + 12 * DAY]


@dataclass
class Plan:
    people: list[tuple[str, str, int | None]]  # given, family, unit index
    units: list[tuple[str, int | None]]  # name, parent index (lower)
    lines: list[tuple[int, int]]  # person, manager (lower index: acyclic)
    roles: list[tuple[list[int], list[int]]]  # permissions, parents (lower index: acyclic)
    assignments: list[tuple[int, int, int, int | None, int | None]]  # person, role, from,
    # days, scope unit
    # parent (an assignment, then earlier delegations), delegatee, narrowed to a permission,
    # start, days, re-delegations, weight, revoked after days
    delegations: list[tuple[int, int, int | None, int, int | None, int, int, int | None]]


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    n_people = draw(st.integers(3, 6))
    n_units = draw(st.integers(1, 4))
    n_roles = draw(st.integers(1, 3))
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
            draw(st.lists(st.integers(0, i - 1), max_size=1, unique=True)) if i else [],
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
            min_size=1,
            max_size=4,
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
                st.integers(1, 3),
                st.none() | st.integers(1, 8),
            )
        )
        for number in range(draw(st.integers(0, 8)))
    ]
    return Plan(people, units, lines, roles, assignments, delegations)


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
    for number, (granted, parents) in enumerate(plan.roles):
        roles.append(
            services.role_create(
                actor=None,
                code=f"role-{number}",
                name=f"Role {number}",
                permissions=[permissions[i] for i in granted],
                inherits=[roles[i] for i in parents],
            )
        )
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
        begins = T0 + start * DAY + timedelta(microseconds=300)
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
    granted, parents = plan.roles[role]
    return set(granted).union(*(covered(plan, parent) for parent in parents))


def answers(graph: GraphBackend, people: list[int], units: list[int]) -> str:
    """Every question of the interface about this school, serialized."""
    out: dict[str, Any] = {}
    for at in MOMENTS:
        moment = at.isoformat()
        for codename in CODENAMES:
            for person in people:
                out[f"check {person} {codename} {moment}"] = _plain(
                    graph.check(person, codename, at)
                )
                out[f"check {person} {codename} {moment} in {units[-1]}"] = _plain(
                    graph.check(person, codename, at, unit=units[-1])
                )
                scope = graph.scope(person, codename, at)
                out[f"scope {person} {codename} {moment}"] = [scope.everywhere, sorted(scope.units)]
            out[f"who_can {codename} {moment}"] = _plain(graph.who_can(codename, at, limit=3))
        facts = {"manager_chain", "reports", "roles", "permissions"}
        out[f"facts {moment}"] = graph.people_facts(people, facts, at)
        for source in people:
            for target in people:
                if source != target:
                    out[f"paths {source} {target} {moment}"] = _plain(
                        graph.paths(source, target, at, k=2)
                    )
        out[f"lcm {moment}"] = _plain(graph.lowest_common_manager(people[-1], people[-2], at))
    out["units"] = _plain(graph.unit_tree())
    out["units of the first"] = _plain(graph.unit_tree(units[0]))
    return json.dumps(out, cls=DjangoJSONEncoder, sort_keys=True, indent=1)


def _plain(answer: Any) -> Any:
    """The answer without its query text."""
    data = asdict(answer)
    data.pop("query", None)
    return data


@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=plans())
def test_sql_and_cypher_backends_answer_alike(plan: Plan, neo4j: Neo4jGraphBackend, db: None):
    neo4j.run("clear", "MATCH (n) DETACH DELETE n")
    with transaction.atomic():
        people, units = build(plan)
        cypher = neo4j
        cypher.rebuild()
        sql_answers = answers(SqlGraphBackend(), people, units)
        cypher_answers = answers(cypher, people, units)
        transaction.set_rollback(True)
    assert cypher_answers == sql_answers
