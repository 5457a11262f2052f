"""The outbox projector, the Neo4j backend's Cypher and parameters, and the graph_* commands.

No Neo4j server runs here: these tests check what can be checked without one (statement and
parameter building, replay idempotence at the statement level, result assembly from rows
shaped like Neo4j's); the contract suite runs the real thing when NEO4J_BOLT_URL is set.
"""

from __future__ import annotations

import re
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from common.models import OutboxEvent
from delegation.graph import projector
from delegation.graph.neo4j import Neo4jGraphBackend, cypher_authz, cypher_org, cypher_sync
from delegation.tests.scenario import DAY, T0, School, lend
from people.models import ReportingLine
from people.tests.factories import PersonFactory


class Recorder:
    """Stands in for the Neo4j driver: records each statement, answers with canned rows."""

    def __init__(self, answers: dict[str, list[dict]] | None = None, fail: bool = False) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.answers = answers or {}
        self.fail = fail

    def __call__(self, statement: str, params: dict[str, Any]) -> None:
        if self.fail:
            raise ConnectionError("neo4j is down")
        self.calls.append((statement, params))

    def run(self, label: str, cypher: str, params: dict[str, Any] | None = None) -> list[dict]:
        self.calls.append((cypher, params or {}))
        return self.answers.get(label, [])


# --- projector ----------------------------------------------------------------------------------
def test_events_become_batched_parameterised_statements(school: School):
    link = lend(school.alice, school.bob, permission=school.circulate, days=3)
    events = list(OutboxEvent.objects.values_list("kind", "payload"))
    statements = list(projector.statements(events))

    kinds = [kind for kind, _ in events]
    assert len(statements) == len([k for i, k in enumerate(kinds) if i == 0 or kinds[i - 1] != k])
    statement, params = statements[-1]
    assert statement == cypher_sync.UPSERT["delegation"]
    row = params["rows"][0]
    assert row["id"] == link.pk and row["grant"] == f"p:{school.circulate.pk}"
    assert row["valid_from"] == T0.timestamp()
    assert row["expires_at"] == (T0 + 3 * DAY).timestamp()


def test_replaying_the_outbox_gives_identical_statements(school: School):
    events = list(OutboxEvent.objects.values_list("kind", "payload"))
    assert list(projector.statements(events)) == list(projector.statements(events))
    for statement, _ in projector.statements(events):
        assert "MERGE" in statement and "CREATE" not in statement


def test_drain_applies_each_event_once(school: School):
    runner = Recorder()
    applied = projector.drain(runner, batch=3)

    assert applied == OutboxEvent.objects.count() > 3
    assert not OutboxEvent.objects.filter(processed_at__isnull=True).exists()
    assert projector.drain(runner) == 0


def test_failed_drain_leaves_events_pending(school: School):
    with pytest.raises(ConnectionError):
        projector.drain(Recorder(fail=True))
    assert not OutboxEvent.objects.filter(processed_at__isnull=False).exists()


def test_deletes_are_keyed_statements(school: School):
    services_event = [("role_permission.delete", {"id": 7}), ("role_permission.delete", {"id": 8})]
    [(statement, params)] = projector.statements(services_event)

    assert statement == cypher_sync.DELETE["role_permission"]
    assert "GRANTS {edge_id: id}" in statement and params == {"ids": [7, 8]}


def test_rebuild_projects_every_row_parents_first(school: School):
    PersonFactory()
    statements = list(projector.rebuild_statements(chunk=2))
    order = [next(k for k, v in cypher_sync.UPSERT.items() if v == s) for s, _ in statements]

    assert order == sorted(order, key=projector.REBUILD_ORDER.index)
    people = sum(len(p["rows"]) for s, p in statements if s == cypher_sync.UPSERT["person"])
    assert people == 6


# --- Cypher hygiene -----------------------------------------------------------------------------
CYPHER = {
    **{
        f"authz.{n}": cypher_authz.bounded(getattr(cypher_authz, n), 8)
        for n in ("CHECK", "CYCLES", "WHO_CAN", "HOLDINGS", "PATHS")
    },
    **{
        f"org.{n}": cypher_org.bounded(getattr(cypher_org, n), 64)
        for n in ("MANAGER_CHAINS", "REPORTS", "LOWEST_COMMON_MANAGER", "UNIT_TREE")
    },
    **{f"upsert.{n}": text for n, text in cypher_sync.UPSERT.items()},
    **{f"delete.{n}": text for n, text in cypher_sync.DELETE.items()},
}


@pytest.mark.parametrize("name", sorted(CYPHER))
def test_cypher_is_plain_and_parameterised(name: str):
    text = CYPHER[name]
    assert "apoc." not in text.lower() and "%s" not in text
    assert not re.search(r"\{(max_chain|max_depth|min_budget)\}", text)
    assert text.count("(") == text.count(")") and text.count("[") == text.count("]")


# --- Neo4j backend: parameters in, answers out ---------------------------------------------------
@pytest.fixture
def neo4j() -> Neo4jGraphBackend:
    return Neo4jGraphBackend("bolt://neo4j:secret@localhost:7687")


def role_edges(school: School) -> list[dict]:
    return [
        {
            "kind": "inherits",
            "role_id": school.head_librarian.pk,
            "role_code": "head-librarian",
            "target_id": school.librarian.pk,
            "target_name": "librarian",
        },
        {
            "kind": "grants",
            "role_id": school.librarian.pk,
            "role_code": "librarian",
            "target_id": school.circulate.pk,
            "target_name": "library.circulate",
        },
    ]


def test_neo4j_check_sends_parameters_and_assembles_the_proof(neo4j, school: School, monkeypatch):
    link = {
        "id": 41,
        "delegator_id": school.alice.pk,
        "delegatee_id": school.bob.pk,
        "grant": f"p:{school.circulate.pk}",
        "valid_from": T0.timestamp(),
        "expires_at": None,
        "revoked_at": None,
        "weight": 2,
        "max_redelegations": 0,
    }
    recorder = Recorder(
        {
            "permission": [{"key": f"p:{school.circulate.pk}"}],
            "role_edges": role_edges(school),
            "check": [
                {
                    "assignment_id": 5,
                    "person_id": school.alice.pk,
                    "role_id": school.head_librarian.pk,
                    "valid_from": (T0 - DAY).timestamp(),
                    "valid_to": None,
                    "chain": [link],
                    "hops": 1,
                    "weight": 2,
                }
            ],
            "cycles": [{"cycle": [41, 42]}],
        }
    )
    monkeypatch.setattr(neo4j, "run", recorder.run)
    result = neo4j.check(school.bob.pk, "library.circulate", T0)

    assert result.allowed and result.hops == 1 and result.cycles == [[41, 42]]
    assert [edge.kind for edge in result.proof] == [
        "assignment",
        "inherits",
        "grants",
        "delegation",
    ]
    assert result.proof[-1].valid_from == T0
    check_params = next(
        params
        for cypher, params in recorder.calls
        if "HAS_ROLE" in cypher and "min_budget" in params
    )
    assert check_params["need"] == f"p:{school.circulate.pk}"
    assert f"r:{school.head_librarian.pk}>p:{school.circulate.pk}" in check_params["cover"]
    assert check_params["at"] == T0.timestamp()


def test_neo4j_holdings_expand_roles_to_permissions(neo4j, school: School, monkeypatch):
    recorder = Recorder(
        {
            "role_edges": role_edges(school),
            "holdings": [
                {
                    "origin": 9,
                    "held": f"r:{school.head_librarian.pk}",
                    "hops": 0,
                    "scope_unit": None,
                }
            ],
        }
    )
    monkeypatch.setattr(neo4j, "run", recorder.run)

    facts = neo4j.people_facts([9], {"roles", "permissions"}, T0)
    assert facts[9] == {
        "roles": [{"role": "head-librarian", "scope_unit": None, "via": "assignment"}],
        "permissions": ["library.circulate"],
    }


def test_neo4j_paths_rank_shortest_and_cheapest(neo4j, school: School, monkeypatch):
    def chain(*weights: int) -> dict:
        links = [
            {
                "id": n,
                "delegator_id": 1,
                "delegatee_id": 2,
                "grant": f"p:{school.circulate.pk}",
                "valid_from": T0.timestamp(),
                "expires_at": None,
                "revoked_at": None,
                "weight": w,
                "max_redelegations": 3,
            }
            for n, w in enumerate(weights)
        ]
        return {"chain": links, "hops": len(weights), "weight": sum(weights)}

    recorder = Recorder(
        {"role_edges": role_edges(school), "paths": [chain(9), chain(1, 1), chain(1, 1, 1)]}
    )
    monkeypatch.setattr(neo4j, "run", recorder.run)
    result = neo4j.paths(1, 2, T0, k=2)

    assert [c.hops for c in result.shortest] == [1, 2]
    assert [c.weight for c in result.cheapest] == [2, 3]


# --- commands -------------------------------------------------------------------------------------
def run_command(name: str, *args: str) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


def test_graph_verify_on_sql_finds_nothing_wrong(school: School):
    assert "graph_verify: ok" in run_command("graph_verify")


def test_graph_verify_reports_a_reporting_cycle_made_behind_the_services(db: None):
    a, b = PersonFactory(), PersonFactory()
    ReportingLine.objects.create(person=a, manager=b, valid_from=T0)
    ReportingLine.objects.create(person=b, manager=a, valid_from=T0)

    output = run_command("graph_verify")
    assert "sql reporting cycles: 2" in output and "2 problem(s)" in output


def test_graph_sync_without_neo4j_explains_itself(school: School):
    assert "NEO4J_BOLT_URL is not set" in run_command("graph_sync")


@pytest.mark.parametrize("name", ["graph_rebuild", "graph_install_constraints"])
def test_neo4j_only_commands_refuse_without_neo4j(name: str, db: None):
    with pytest.raises(CommandError, match="NEO4J_BOLT_URL"):
        call_command(name)


def test_drain_after_commit_tolerates_neo4j_down(
    school: School, settings, caplog, django_capture_on_commit_callbacks
):
    """With Neo4j configured but unreachable, writes still commit; events wait for graph_sync."""
    settings.NEO4J_BOLT_URL = "bolt://neo4j:secret@127.0.0.1:1"
    settings.GRAPH_BACKEND = "neo4j"
    with django_capture_on_commit_callbacks(execute=True):
        link = lend(school.alice, school.bob, permission=school.circulate)

    pending = OutboxEvent.objects.filter(processed_at__isnull=True, kind="delegation.upsert")
    assert pending.filter(payload__id=link.pk).exists()
    assert "graph_sync will catch up" in caplog.text
