"""`graph_verify [--fix]` and the graph's schema on FalkorDB (issue 14, items 4 and 8).

Verification hashes every element's properties and ends, the same way from SQL rows and from
the graph, so a corrupted property, a misplaced edge end or a lost required property is found
(key comparison saw none of them), and `--fix` re-projects exactly those elements.
"""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
import redis
from django.core.management import call_command

from common.models import OutboxEvent
from delegation import services
from delegation.graph import verify
from delegation.graph.neo4j import Neo4jGraphBackend, cypher_sync
from delegation.graph.neo4j.nodes import required_properties
from delegation.models import Delegation
from delegation.tests.conftest import falkordb_backend
from delegation.tests.falkordb import FalkorCypher
from delegation.tests.scenario import DAY, T0, School, lend
from people import services as people_services
from people.tests.factories import OrgUnitFactory

pytestmark = pytest.mark.graph


@pytest.fixture
def graph(falkordb: FalkorCypher, settings: Any, school: School) -> Neo4jGraphBackend:
    """The school with an org chart and a revoked delegation, rebuilt on FalkorDB."""
    settings.NEO4J_BOLT_URL = "bolt://falkordb.invalid:7687"
    settings.GRAPH_BACKEND = "neo4j"
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
    backend = falkordb_backend()
    assert isinstance(backend, Neo4jGraphBackend)
    backend.rebuild()
    return backend


def verify_output(*args: str) -> str:
    out = StringIO()
    call_command("graph_verify", *args, stdout=out)
    return out.getvalue()


def revoked(graph: Neo4jGraphBackend) -> Delegation:
    link = Delegation.objects.get(revoked_at__isnull=False)
    return link


def test_a_projected_graph_verifies_clean(graph: Neo4jGraphBackend):
    output = verify_output()
    assert "graph_verify: ok" in output, output
    assert "delegation different: 0" in output


def test_a_corrupted_property_is_reported_and_fixed(graph: Neo4jGraphBackend, school: School):
    """Finding 7: with keys compared only, an edge whose revocation was lost looked fine."""
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
    """A person in two units (the same-batch move of finding 3) differs from SQL."""
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
def test_install_creates_the_validity_indexes_and_is_idempotent(
    graph: Neo4jGraphBackend, falkordb: FalkorCypher
):
    graph.install_constraints()
    graph.install_constraints()

    indexes = falkordb.indexes()
    assert ("DELEGATES", ["valid_from", "expires_at", "revoked_at"]) in indexes
    assert ("HAS_ROLE", ["valid_from", "valid_to"]) in indexes
    assert ("REPORTS_TO", ["valid_from", "valid_to"]) in indexes


def test_existence_constraints_are_installed_only_on_enterprise(
    graph: Neo4jGraphBackend, settings: Any
):
    """Community (the default) gets none. With NEO4J_ENTERPRISE they are sent; FalkorDB has
    no Cypher form for them and refuses the first, which shows they were sent."""
    settings.NEO4J_ENTERPRISE = False
    assert not any("existence" in item for item in graph.install_constraints())

    settings.NEO4J_ENTERPRISE = True
    with pytest.raises(redis.ResponseError, match="CREATE CONSTRAINT"):
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
