"""The outbox projector, the hygiene of the Neo4j backend's Cypher, and the graph_* commands
without Neo4j.

What needs no graph store: which statements a run of events becomes, and that replaying the
outbox converges on what a rebuild from SQL projects. The Cypher itself runs on Neo4j in the
contract, differential, projection and verify suites.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from common import outbox
from common.models import OutboxEvent
from delegation import services
from delegation.graph import projector
from delegation.graph.base import micros
from delegation.graph.neo4j import cypher_authz, cypher_org, cypher_sync
from delegation.tests.scenario import School, lend
from people.models import ReportingLine
from people.tests.factories import DAY, T0, PersonFactory

Rows = dict[str, dict[int, dict[str, Any]]]


def graph_state(statements: Iterable[projector.Statement]) -> Rows:
    """What applying `statements` leaves in the graph, read as the projection's Cypher means it:
    an upsert MERGEs each row on its key and SETs all its properties, a delete removes keys."""
    element_of = {text: element for element, text in cypher_sync.UPSERT.items()}
    deleted_from = {text: element for element, text in cypher_sync.DELETE.items()}
    state: Rows = {}
    for statement, params in statements:
        if statement in element_of:
            rows = state.setdefault(element_of[statement], {})
            rows.update({row["id"]: row for row in params["rows"]})
        else:
            rows = state.setdefault(deleted_from[statement], {})
            for row in params["rows"]:
                rows.pop(row["id"], None)
    return state


# --- projector ----------------------------------------------------------------------------------
def test_consecutive_events_of_a_kind_share_one_statement_in_outbox_order():
    events: list[tuple[str, dict[str, Any], int]] = [
        ("role.upsert", {"id": 1, "code": "a", "name": "A"}, 1),
        ("role.upsert", {"id": 2, "code": "b", "name": "B"}, 2),
        ("role_permission.delete", {"id": 7}, 3),
        ("role.upsert", {"id": 1, "code": "a", "name": "A again"}, 4),
        ("role_permission.delete", {"id": 9}, 5),
        ("role_permission.delete", {"id": 8}, 6),
    ]

    assert list(projector.statements(events)) == [
        (
            cypher_sync.UPSERT["role"],
            {
                "rows": [
                    {"id": 1, "code": "a", "name": "A", "pos": 1},
                    {"id": 2, "code": "b", "name": "B", "pos": 2},
                ]
            },
        ),
        (cypher_sync.DELETE["role_permission"], {"rows": [{"id": 7, "pos": 3}]}),
        (
            cypher_sync.UPSERT["role"],
            {"rows": [{"id": 1, "code": "a", "name": "A again", "pos": 4}]},
        ),
        (
            cypher_sync.DELETE["role_permission"],
            {"rows": [{"id": 9, "pos": 5}, {"id": 8, "pos": 6}]},
        ),
    ]


def test_a_run_sends_only_the_newest_state_of_each_element():
    """A person moved twice in one batch must end in the last unit only."""
    events = [
        ("person.upsert", {"id": 1, "given_name": "A", "family_name": "B", "org_unit_id": 2}, 1),
        ("person.upsert", {"id": 5, "given_name": "C", "family_name": "D", "org_unit_id": 2}, 2),
        ("person.upsert", {"id": 1, "given_name": "A", "family_name": "B", "org_unit_id": 3}, 3),
    ]

    [(_, params)] = projector.statements(events)
    assert [(row["id"], row["org_unit_id"], row["pos"]) for row in params["rows"]] == [
        (1, 3, 3),
        (5, 2, 2),
    ]


def test_outbox_payloads_become_graph_properties(school: School):
    link = lend(school.alice, school.bob, permission=school.circulate, days=3, weight=2)
    events = OutboxEvent.objects.order_by("pk").values_list("kind", "payload", "pk")

    statement, params = list(projector.statements(events))[-1]
    assert statement == cypher_sync.UPSERT["delegation"]
    assert params["rows"] == [
        {
            "id": link.pk,
            "delegator_id": school.alice.pk,
            "delegatee_id": school.bob.pk,
            "permission_id": school.circulate.pk,
            "role_id": None,
            "grant": f"p:{school.circulate.pk}",
            "valid_from": micros(T0),
            "expires_at": micros(T0 + 3 * DAY),
            "revoked_at": None,
            "weight": 2,
            "max_redelegations": 0,
            "pos": OutboxEvent.objects.order_by("pk").values_list("pk", flat=True).last(),
        }
    ]
    person = projector.graph_row("person", outbox.state(school.carol), 0)
    assert person["name"] == f"Carol {school.carol.family_name}"
    assert (person["given_name"], person["family_name"]) == ("Carol", school.carol.family_name)


def test_replaying_the_outbox_converges_on_the_rebuild(school: School):
    """Events carry full state and apply in order, so replaying all of them (twice, as a retried
    drain would) leaves what projecting the SQL rows leaves, for every element the outbox saw."""
    link = lend(school.alice, school.bob, permission=school.circulate, days=3)
    services.delegation_revoke(actor=None, delegation=link, at=T0 + DAY)
    services.role_update(
        actor=None, role=school.editor, name="Chief editor", permissions=[school.catalogue]
    )
    events = list(OutboxEvent.objects.order_by("pk").values_list("kind", "payload", "pk"))

    replayed = graph_state(projector.statements(events))
    rebuilt = graph_state(projector.rebuild_statements(projector.last_positions()))

    assert replayed == graph_state([*projector.statements(events), *projector.statements(events)])
    assert replayed == {element: rebuilt[element] for element in replayed}
    assert replayed["delegation"][link.pk]["revoked_at"] == micros(T0 + DAY)
    assert replayed["role"][school.editor.pk]["name"] == "Chief editor"


def clauses(cypher: str, keyword: str) -> list[str]:
    """The text of every `keyword` clause (one starting a line, up to the next clause)."""
    return re.findall(rf"^{keyword} (.+?)(?=^\w|\Z)", cypher, re.MULTILINE | re.DOTALL)


@pytest.mark.parametrize("element", sorted(cypher_sync.UPSERT))
def test_upserts_merge_on_keys_and_set_only_row_values(element: str):
    """What makes applying an upsert twice a no-op, and what `graph_state` relies on."""
    cypher = cypher_sync.UPSERT[element]
    assert "CREATE" not in cypher and clauses(cypher, "MERGE")
    for pattern in clauses(cypher, "MERGE"):
        for node in re.findall(r"\(\w+:\w+[^)]*\)", pattern):
            assert re.fullmatch(r"\(\w+:\w+ \{sql_id: row\.\w+\}\)", node), node
        for key in re.findall(r"\[[^]]*\{(.*?)\}\]", pattern):
            assert re.fullmatch(r"\w+: row\.id", key), key
    for clause in clauses(cypher, "SET"):
        for assignment in clause.split(","):
            assert re.fullmatch(r"\s*\w+\.\w+ = row\.\w+\s*", assignment), assignment


def test_drain_applies_each_event_once(school: School):
    sent: list[projector.Statement] = []

    def record(statement: str, params: dict[str, Any]) -> None:
        sent.append((statement, params))

    applied = projector.drain(record, batch=3)

    assert applied == OutboxEvent.objects.count() > 3
    assert not OutboxEvent.objects.filter(processed_at__isnull=True).exists()
    # Event statements carry rows; each batch also reads and writes the watermark, rowless.
    sizes = [len(params["rows"]) for _, params in sent if "rows" in params]
    assert sum(sizes) == applied
    assert projector.drain(record) == 0


def test_failed_drain_leaves_events_pending(school: School):
    def neo4j_down(statement: str, params: dict[str, Any]) -> None:
        raise ConnectionError("neo4j is down")

    with pytest.raises(ConnectionError):
        projector.drain(neo4j_down)
    assert not OutboxEvent.objects.filter(processed_at__isnull=False).exists()


def test_deletes_are_keyed_statements(school: School):
    services_event = [
        ("role_permission.delete", {"id": 7}, 10),
        ("role_permission.delete", {"id": 8}, 11),
    ]
    [(statement, params)] = projector.statements(services_event)

    assert statement == cypher_sync.DELETE["role_permission"]
    assert "GRANTS {edge_id: row.id}" in statement
    assert params == {"rows": [{"id": 7, "pos": 10}, {"id": 8, "pos": 11}]}


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
        for n in ("CHECK", "CYCLES", "SCOPE", "WHO_CAN_ROOTS", "WHO_CAN_STEP", "HOLDINGS", "PATHS")
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

    out = StringIO()
    with pytest.raises(CommandError, match="2 problem"):
        call_command("graph_verify", stdout=out)
    assert "sql reporting cycles: 2" in out.getvalue()


def test_graph_sync_without_neo4j_explains_itself(school: School):
    assert "NEO4J_BOLT_URL is not set" in run_command("graph_sync")


@pytest.mark.parametrize("name", ["graph_rebuild", "graph_install_constraints"])
def test_neo4j_only_commands_refuse_without_neo4j(name: str, db: None):
    with pytest.raises(CommandError, match="NEO4J_BOLT_URL"):
        call_command(name)
