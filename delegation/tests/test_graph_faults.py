"""A graph store that hangs (accepts, never answers), through a real TCP proxy before Neo4j.

Before the graph breaker and its deadline, a permission check waited for good on a hung graph
(the driver has no read timeout once a connection is up). Bounds are generous, for CI machines.
"""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.models import User

from common import deadlines
from common.breaker import CLOSED, breaker
from delegation.authz import user_can
from delegation.graph.neo4j import OUTAGE
from delegation.graph.sql import SqlGraphBackend
from delegation.tests.neo4j import HUNG_GRAPH_DEADLINE as DEADLINE
from delegation.tests.neo4j import cypher_graph
from delegation.tests.scenario import DAY, T0, School, lend
from devtools.faults import FaultProxy

FAIL_FAST = 0.3


@pytest.fixture
def bob_user(school: School, member_user: User) -> User:
    school.bob.user = member_user
    school.bob.save(update_fields=["user"])
    lend(school.alice, school.bob, permission=school.circulate, days=2)
    return member_user


def _timed(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def test_user_can_decides_from_sql_within_the_deadline_while_the_graph_hangs(
    bob_user: User, graph_proxy: FaultProxy
):
    cypher_graph().rebuild()
    ask = lambda: user_can(bob_user, "library.circulate", T0 + DAY)  # noqa: E731
    with deadlines.request_scope():
        assert ask()  # the graph answers
        graph_proxy.hang()
        for _ in range(2):  # CIRCUIT_BREAKER_FAILURES: each costs one deadline, no more
            seconds, allowed = _timed(ask)
            assert allowed is True  # decided from SQL
            assert seconds < DEADLINE + 1.5
        assert breaker("graph").state != CLOSED
        seconds, allowed = _timed(ask)
        assert allowed is True
        assert seconds < FAIL_FAST  # open: the graph is not asked
        assert not user_can(bob_user, "blog.publish", T0 + DAY)


def test_the_graph_breaker_closes_once_the_store_answers_again(
    bob_user: User, graph_proxy: FaultProxy
):
    graph = cypher_graph()
    graph.rebuild()
    graph_proxy.hang()
    with deadlines.request_scope():
        for _ in range(2):
            with pytest.raises(OUTAGE):  # the deadline, or the driver's own connect timeout
                graph.ping()
    assert breaker("graph").state != CLOSED
    graph_proxy.restore()
    deadline = time.monotonic() + 5
    while breaker("graph").state != CLOSED:
        assert time.monotonic() < deadline, "the graph breaker never closed"
        time.sleep(0.05)
    with deadlines.request_scope():
        assert graph.check(bob_user.person.pk, "library.circulate", T0 + DAY).allowed


def test_reads_through_the_access_policy_answer_from_sql_while_the_graph_hangs(
    bob_user: User, graph_proxy: FaultProxy, staff_client, client
):
    """The explorer and the API ask `selectors.graph_for`: a hung Neo4j costs them at most one
    deadline per call until its breaker opens, and SQL answers; never a 500."""
    cypher_graph().rebuild()
    graph_proxy.hang()
    at = (T0 + DAY).isoformat()
    api = staff_client.get(
        "/api/delegation/who-can/", {"permission": "library.circulate", "at": at}
    )
    assert api.status_code == 200
    holders = [row["id"] for row in api.json()["results"]]
    assert holders == [
        p["id"] for p in SqlGraphBackend().who_can("library.circulate", T0 + DAY).items
    ]
    assert bob_user.person.pk in holders

    client.force_login(User.objects.create_user("admin-reader", is_staff=True))
    query = {"question": "check", "person": str(bob_user.person.pk), "at": at[:16]}
    page = client.get("/delegation/", {**query, "permission": "library.circulate"})
    assert page.status_code == 200 and "ALLOWED" in page.content.decode()
