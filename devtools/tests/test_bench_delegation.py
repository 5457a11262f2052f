"""The benchmark runs end to end, and its naive baseline answers like the SQL backend."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from common.models import OutboxEvent
from delegation.graph.neo4j import Neo4jGraphBackend
from delegation.graph.sql import SqlGraphBackend
from delegation.models import Delegation
from delegation.tests.scenario import DAY, T0, School, build_school, lend
from devtools.bench.delegation import naive_check
from devtools.bench.delegation_backends import MEASURES


@pytest.fixture
def school(db: None) -> School:
    return build_school()


def test_naive_baseline_agrees_with_sql(school: School):
    lend(school.alice, school.bob, permission=school.circulate, hops=2)
    lend(school.bob, school.carol, permission=school.circulate, hops=1)
    lend(school.carol, school.bob, permission=school.circulate)
    graph = SqlGraphBackend()
    for person in (school.alice, school.bob, school.carol, school.dan):
        for at in (T0, T0 + 20 * DAY):
            for codename in ("library.circulate", "library.catalogue"):
                expected = graph.check(person.pk, codename, at).allowed
                assert naive_check(person.pk, codename, at) == expected, (person, codename, at)


def test_bench_command_prints_json(school: School, neo4j: Neo4jGraphBackend):
    lend(school.alice, school.bob, permission=school.circulate, hops=1)
    lend(school.bob, school.carol, permission=school.circulate)
    delegations, events = Delegation.objects.count(), OutboxEvent.objects.count()
    out = StringIO()
    call_command(
        "bench_delegation",
        *("--json", "--checks", "6", "--naive", "3"),
        *("--samples", "4", "--expired", "30", "--drain-events", "2"),
        stdout=out,
    )
    report = json.loads(out.getvalue())
    assert report["results"][0]["measure"] == "check, SQL backend (decision)"
    assert report["results"][2]["note"] == "0 disagreements"
    backends = report["backends"]
    assert backends["columns"] == [
        "SQL, before",
        "Neo4j, before",
        "SQL, +30 expired",
        "Neo4j, +30 expired",
    ]
    assert set(backends["rows"]) == set(MEASURES)
    assert backends["drain"]["events"] >= 2 and backends["drain"]["events_per_s"] > 0
    assert backends["rebuild"]["seconds"] >= 0
    # what the benchmark wrote was rolled back, and left the graph again
    assert (Delegation.objects.count(), OutboxEvent.objects.count()) == (delegations, events)
    assert neo4j.keys("delegation") == set(Delegation.objects.values_list("pk", flat=True))


def test_bench_without_neo4j_prints_sql_only(school: School):
    out = StringIO()
    call_command(
        "bench_delegation",
        *("--checks", "4", "--naive", "1", "--samples", "4", "--expired", "5", "--no-neo4j"),
        stdout=out,
    )
    assert "SQL, +5 expired" in out.getvalue() and "Neo4j," not in out.getvalue()
