"""`graph_verify [--fix]` and the graph's schema on Neo4j.

Verification hashes every element's properties and ends, the same way from SQL rows and from
the graph, so a corrupted property, a misplaced edge end or a lost required property is found
(key comparison saw none of them), and `--fix` re-projects exactly those elements.
"""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from neo4j.exceptions import Neo4jError

from common.models import OutboxEvent
from delegation import services
from delegation.graph import verify
from delegation.graph.neo4j import Neo4jGraphBackend, cypher_sync
from delegation.graph.neo4j.nodes import EDGE_CLASSES, NODE_CLASSES, required_properties
from delegation.models import Delegation
from delegation.tests.scenario import DAY, T0, School, lend
from people import services as people_services
from people.tests.factories import OrgUnitFactory

pytestmark = pytest.mark.graph


@pytest.fixture
def graph(neo4j: Neo4jGraphBackend, school: School) -> Neo4jGraphBackend:
    """The school with an org chart and a revoked delegation, rebuilt on Neo4j."""
    unit = OrgUnitFactory()
    people_services.person_update(actor=None, person=school.bob, org_unit=unit)
    people_services.reporting_line_create(
        actor=None, person=school.bob, manager=school.alice, valid_from=T0
    )
    link = lend(school.alice, school.bob, permission=school.circulate)
    services.delegation_revoke(actor=None, delegation=link, at=T0 + DAY)
    services.assignment_create(
        actor=None, person=school.carol, role=school.editor, valid_from=T0, scope_unit=unit
    )
    neo4j.rebuild()
    return neo4j


def verify_output(*args: str) -> str:
    """What graph_verify printed, its error (a non-zero exit) last."""
    out = StringIO()
    try:
        call_command("graph_verify", *args, stdout=out)
    except CommandError as error:
        return f"{out.getvalue()}{error}"
    return out.getvalue()


def test_verify_exits_non_zero_exactly_when_it_reports_a_problem(graph: Neo4jGraphBackend):
    call_command("graph_verify", stdout=StringIO())  # clean: no error
    graph.run("test", "MATCH ()-[d:DELEGATES]->() SET d.weight = d.weight + 1", {})

    with pytest.raises(CommandError, match="problem"):
        call_command("graph_verify", stdout=StringIO())


def revoked(graph: Neo4jGraphBackend) -> Delegation:
    link = Delegation.objects.get(revoked_at__isnull=False)
    return link


def test_a_projected_graph_verifies_clean(graph: Neo4jGraphBackend):
    output = verify_output()
    assert "graph_verify: ok" in output, output
    assert "delegation different: 0" in output


def test_a_corrupted_property_is_reported_and_fixed(graph: Neo4jGraphBackend, school: School):
    """With keys compared only, an edge whose revocation was lost looked fine."""
    link = revoked(graph)
    graph.run(
        "test",
        "MATCH ()-[d:DELEGATES {delegation_id: $id}]->() SET d.revoked_at = null",
        {"id": link.pk},
    )
    assert graph.check(school.bob.pk, "library.circulate", T0 + 2 * DAY).allowed  # corrupt

    found = verify_output()
    assert f"delegation different: 1 [{link.pk}]" in found
    assert "1 problem(s)" in found

    verify_output("--fix")

    assert "graph_verify: ok" in verify_output()
    assert not graph.check(school.bob.pk, "library.circulate", T0 + 2 * DAY).allowed


def test_a_misplaced_edge_end_is_reported_and_fixed(graph: Neo4jGraphBackend, school: School):
    """A person in two units (what two moves in one batch once left) differs from SQL."""
    other = OrgUnitFactory()
    graph.rebuild()
    graph.run(
        "test",
        "MATCH (p:Person {sql_id: $person}), (u:OrgUnit {sql_id: $unit})"
        " MERGE (p)-[:MEMBER_OF]->(u)",
        {"person": school.bob.pk, "unit": other.pk},
    )

    assert f"person different: 1 [{school.bob.pk}]" in verify_output()
    verify_output("--fix")

    assert "graph_verify: ok" in verify_output()


def test_fix_repairs_after_the_outbox_was_pruned(graph: Neo4jGraphBackend, school: School):
    """With the events gone the repair cannot take the newest event's position: it takes the
    graph's own, so the projection's order check does not refuse it as older."""
    link = revoked(graph)
    OutboxEvent.objects.all().delete()
    graph.run(
        "test",
        "MATCH ()-[d:DELEGATES {delegation_id: $id}]->() SET d.weight = 99",
        {"id": link.pk},
    )

    verify_output("--fix")

    assert "graph_verify: ok" in verify_output()


def test_a_missing_required_property_is_reported_and_fixed(
    graph: Neo4jGraphBackend, school: School
):
    graph.run("test", "MATCH (p:Person {sql_id: $id}) REMOVE p.given_name", {"id": school.bob.pk})
    graph.run("test", "MATCH ()-[g:GRANTS]->() WITH g LIMIT 1 REMOVE g.pos", {})

    output = verify_output()
    assert f"Person {school.bob.pk}: given_name" in output
    assert "GRANTS" in output and ": pos" in output

    verify_output("--fix")

    assert "graph_verify: ok" in verify_output()


def test_hashes_come_alike_from_sql_and_from_the_graph(graph: Neo4jGraphBackend):
    for element in cypher_sync.VERIFY:
        in_graph, _ = verify.graph_hashes(graph.verified_rows(element), element)
        assert verify.sql_hashes(element) == in_graph, element


# --- constraints and indexes ------------------------------------------------------------------
def declared_keys() -> set[tuple[str, str]]:
    """`(label or type, property)` of every key the node and edge classes declare unique."""
    named: list[tuple[str, Any]] = [(cls.__name__, cls) for cls in NODE_CLASSES]
    named += list(EDGE_CLASSES.items())
    return {
        (label, name)
        for label, cls in named
        for name, prop in cls.defined_properties(aliases=False, rels=False).items()
        if prop.unique_index
    }


def schema(graph: Neo4jGraphBackend, kind: str) -> set[tuple[str, tuple[str, ...]]]:
    rows = graph.run("test", f"SHOW {kind} YIELD labelsOrTypes, properties, type RETURN *")
    return {
        (row["labelsOrTypes"][0], tuple(row["properties"]))
        for row in rows
        if row["labelsOrTypes"] and row["type"] != "LOOKUP"
    }


def test_install_creates_every_key_constraint_and_index_idempotently(graph: Neo4jGraphBackend):
    graph.install_constraints()
    constraints, indexes = schema(graph, "CONSTRAINTS"), schema(graph, "INDEXES")
    graph.install_constraints()

    assert (schema(graph, "CONSTRAINTS"), schema(graph, "INDEXES")) == (constraints, indexes)
    keys = {(label, (prop,)) for label, prop in declared_keys()}
    markers = {("Tombstone", ("element", "sql_id")), ("Watermark", ("name",))}
    assert keys | markers <= constraints
    assert ("DELEGATES", ("valid_from", "expires_at", "revoked_at")) in indexes
    assert ("HAS_ROLE", ("valid_from", "valid_to")) in indexes
    assert ("REPORTS_TO", ("valid_from", "valid_to")) in indexes
    assert ("DELEGATES", ("delegation_id",)) in constraints  # an edge's key, too


def test_existence_constraints_are_installed_only_on_enterprise(
    graph: Neo4jGraphBackend, settings: Any
):
    """Community (the default) gets none. With NEO4J_ENTERPRISE they are sent, and Neo4j
    Community refuses the first, which shows they were sent."""
    settings.NEO4J_ENTERPRISE = False
    assert not any("existence" in item for item in graph.install_constraints())

    settings.NEO4J_ENTERPRISE = True
    with pytest.raises(Neo4jError, match="Enterprise"):
        graph.install_constraints()


def test_every_required_property_has_its_constraint():
    statements = cypher_sync.existence_constraints(required_properties())

    assert len(statements) == len(required_properties())
    assert (
        "CREATE CONSTRAINT delegates_grant_exists IF NOT EXISTS FOR ()-[n:DELEGATES]-()"
        " REQUIRE n.grant IS NOT NULL"
    ) in statements
    assert (
        "CREATE CONSTRAINT person_name_exists IF NOT EXISTS FOR (n:Person)"
        " REQUIRE n.name IS NOT NULL"
    ) in statements
