"""The explorer with Neo4j as the site's graph: it answers from Neo4j and shows each statement's
Cypher with its parameters and its PROFILE plan."""

from __future__ import annotations

import html

import pytest
from django.contrib.auth.models import User
from django.test import Client

from delegation.graph.neo4j import Neo4jGraphBackend
from delegation.tests.scenario import DAY, T0, School, lend

pytestmark = pytest.mark.graph


def test_a_check_shows_cypher_parameters_and_plan(
    client: Client, staff_user: User, school: School, neo4j: Neo4jGraphBackend
):
    lend(school.alice, school.bob, permission=school.circulate)
    neo4j.rebuild()
    client.force_login(staff_user)

    response = client.get(
        "/delegation/",
        {
            "question": "check",
            "person": str(school.bob.pk),
            "permission": "library.circulate",
            "at": (T0 + DAY).strftime("%Y-%m-%dT%H:%M"),
        },
    )

    page = html.unescape(response.content.decode())
    assert response.status_code == 200 and "ALLOWED" in page
    assert f":param person => {school.bob.pk};" in page  # the Cypher with its values
    assert "DELEGATES WHERE" in page
    assert "// PROFILE:" in page and "db_hits=" in page and "rows=" in page
