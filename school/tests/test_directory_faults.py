"""The directory while the graph store hangs (a real TCP proxy before Neo4j): a partial 200
within the graph deadline, then at once while the graph breaker is open; never a hang or 500."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from common.breaker import CLOSED, breaker
from delegation.tests.neo4j import HUNG_GRAPH_DEADLINE as DEADLINE
from delegation.tests.neo4j import cypher_graph
from devtools.faults import FaultProxy
from school.tests.factories import make_school

pytestmark = pytest.mark.django_db

PEOPLE = reverse("school-api:people")


def _page(client: APIClient) -> tuple[float, dict, int]:
    started = time.perf_counter()
    # A query string of its own per call: a cached page would not ask the graph.
    response = client.get(PEOPLE, {"expand": "manager_chain,permissions,courses"})
    return time.perf_counter() - started, response.json(), response.status_code


def test_a_hung_graph_costs_the_directory_one_deadline_then_nothing(
    staff_client: APIClient, graph_proxy: FaultProxy
) -> None:
    make_school()
    cypher_graph().rebuild()
    graph_proxy.hang()
    for _ in range(2):  # each graph failure until the breaker opens costs one deadline
        seconds, body, status = _page(staff_client)
        assert status == 200
        assert seconds < DEADLINE + 2.0
        assert body["meta"]["partial"] is True
        assert body["meta"]["warnings"][0].startswith("graph unavailable (")
        assert body["results"]  # the SQL parts still answer
    assert breaker("graph").state != CLOSED
    seconds, body, status = _page(staff_client)
    assert (status, body["meta"]["partial"]) == (200, True)
    assert "circuit" in body["meta"]["warnings"][0]
    assert seconds < DEADLINE
