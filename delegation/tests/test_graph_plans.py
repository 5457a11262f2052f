"""Neo4j's plans for the authorization questions: expired history does not grow the work.

Each question's delegation expansion tests a link's validity while it traverses (a quantified
path pattern's WHERE), so links that lapsed before $at stop it where they start. Asserted on the
profiled plan (PROFILE's rows, counts, not times): the rows the expansion produces stay the same
when expired delegations join every pair of the same people, and its operator carries the test.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from delegation.graph.base import MAX_CHAIN, MAX_ORG_DEPTH, micros
from delegation.graph.neo4j import Neo4jGraphBackend, Operator
from delegation.graph.neo4j import cypher_authz as authz
from delegation.models import Delegation
from delegation.tests.scenario import DAY, T0, School, lend

pytestmark = pytest.mark.graph
# Who-can is not among them: it expands one hop per statement over a frontier of people, so
# each expired link is read once where it starts, not once per path through it.
QUESTIONS = ["CHECK", "SCOPE", "CYCLES", "HOLDINGS", "PATHS"]
EXPIRED = (
    20  # every ordered pair of the five once: old paths galore for an expansion that did not prune
)


def question(graph: Neo4jGraphBackend, name: str, school: School) -> tuple[str, dict[str, Any]]:
    """The statement and parameters the backend sends for `name`, about Alice and Carol."""
    need = f"p:{school.circulate.pk}"
    params: dict[str, Any] = {
        "at": micros(T0 + DAY),
        "cover": graph._roles().cover_pairs(),
        "need": need,
        "person": school.carol.pk,
        "min_budget": 0,
        "unit": None,
        "after": 0,
        "limit": 51,
        "ids": [school.carol.pk],
        "source": school.alice.pk,
        "target": school.carol.pk,
    }
    return authz.bounded(getattr(authz, name), MAX_CHAIN, MAX_ORG_DEPTH), params


def expansion(plan: Operator) -> Operator:
    """The operator that expands DELEGATES links."""
    found = [op for _, op in plan.walk() if "Expand" in op.name and "DELEGATES" in op.details]
    assert found, [op.name for _, op in plan.walk()]
    return found[0]


def expire_history(school: School, graph: Neo4jGraphBackend) -> None:
    """`EXPIRED` delegations among the same five people, all lapsed long before T0."""
    people = [school.alice, school.bob, school.carol, school.dan, school.erin]
    pairs = itertools.cycle(itertools.permutations(people, 2))
    rows = [
        Delegation(
            delegator=a,
            delegatee=b,
            permission=school.circulate,
            valid_from=T0 - 90 * DAY,
            expires_at=T0 - 60 * DAY,
            max_redelegations=3,
            reason="expired history",
        )
        for a, b in itertools.islice(pairs, EXPIRED)
    ]
    graph.upsert("delegation", Delegation.objects.bulk_create(rows))


@pytest.mark.parametrize("name", QUESTIONS)
def test_expired_history_does_not_grow_the_expansion(
    name: str, neo4j: Neo4jGraphBackend, school: School
):
    lend(school.alice, school.bob, permission=school.circulate, hops=1, days=5)
    lend(school.bob, school.carol, permission=school.circulate, days=5)
    neo4j.rebuild()
    before = expansion(neo4j.profile(*question(neo4j, name, school)))

    expire_history(school, neo4j)
    after = expansion(neo4j.profile(*question(neo4j, name, school)))

    assert after.rows == before.rows
    assert "expires_at" in after.details  # the validity test is inside the expansion
