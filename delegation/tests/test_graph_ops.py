"""The outbox projector, the Neo4j backend's Cypher and parameters, and the graph_* commands.

No Neo4j server runs here: these tests check what can be checked without one. The projector:
which statements a run of events becomes, and that replaying the outbox converges on what a
rebuild from SQL projects. The Neo4j backend: through a stand-in for neomodel's
`db.cypher_query`, which statement each question sends with which parameters, and how rows
shaped as the driver returns them become the interface's answers. The contract suite runs the
Cypher itself when NEO4J_BOLT_URL is set.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from neomodel import db as neomodel_db

from common import outbox
from common.models import OutboxEvent
from delegation import services
from delegation.graph import projector
from delegation.graph.base import MAX_CHAIN, CheckResult, Edge
from delegation.graph.neo4j import Neo4jGraphBackend, cypher_authz, cypher_org, cypher_sync
from delegation.models import Delegation, RoleInheritance, RolePermission
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
    """Finding 3: a person moved twice in one batch must end in the last unit only."""
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
            "valid_from": T0.timestamp(),
            "expires_at": (T0 + 3 * DAY).timestamp(),
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
    assert replayed["delegation"][link.pk]["revoked_at"] == (T0 + DAY).timestamp()
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


# --- Neo4j backend: statements and parameters out, driver rows in --------------------------------
CHECK = cypher_authz.bounded(cypher_authz.CHECK, MAX_CHAIN)
CYCLES = cypher_authz.bounded(cypher_authz.CYCLES, MAX_CHAIN)
HOLDINGS = cypher_authz.bounded(cypher_authz.HOLDINGS, MAX_CHAIN)
PATHS = cypher_authz.bounded(cypher_authz.PATHS, MAX_CHAIN)
ROLE_EDGE_COLUMNS = ["kind", "role_id", "role_code", "target_id", "target_name"]
# The rows a test's driver answers each statement with: column names, then value lists.
Answers = dict[str, tuple[list[str], list[list[Any]]]]
LINK_COLUMNS = (
    "id",
    "delegator_id",
    "delegatee_id",
    "grant",
    "valid_from",
    "expires_at",
    "revoked_at",
    "weight",
    "max_redelegations",
)


class FakeDriver:
    """Stands in for neomodel's `db.cypher_query`: records each statement sent and answers the
    ones a test expects with rows shaped as the driver returns them (value lists, then column
    names). `$cover` is recorded sorted: its order is the role graph's, not part of the contract."""

    def __init__(self, answers: Answers) -> None:
        self.answers = answers
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def cypher_query(self, cypher: str, params: dict[str, Any]) -> tuple[list[list], list[str]]:
        if "cover" in params:
            params = {**params, "cover": sorted(params["cover"])}
        self.sent.append((cypher, params))
        columns, rows = self.answers[cypher]  # a KeyError names a statement nobody expected
        return [list(row) for row in rows], columns


@pytest.fixture
def neo4j(
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[[Answers], tuple[Neo4jGraphBackend, FakeDriver]]:
    """A Neo4j backend whose driver answers `answers`, and the driver to ask what was sent."""

    def connect(answers: Answers) -> tuple[Neo4jGraphBackend, FakeDriver]:
        driver = FakeDriver(answers)
        monkeypatch.setattr(neomodel_db, "cypher_query", driver.cypher_query)
        return Neo4jGraphBackend("bolt://neo4j:secret@localhost:7687"), driver

    return connect


def role_edge_rows() -> tuple[list[str], list[list[Any]]]:
    """ROLE_EDGES' answer over the projected role graph (INHERITS, then GRANTS edges)."""
    inherits = RoleInheritance.objects.select_related("role", "parent").order_by("pk")
    grants = RolePermission.objects.select_related("role", "permission").order_by("pk")
    rows = [["inherits", e.role_id, e.role.code, e.parent_id, e.parent.code] for e in inherits]
    rows += [
        ["grants", g.role_id, g.role.code, g.permission_id, g.permission.codename] for g in grants
    ]
    return ROLE_EDGE_COLUMNS, rows


def cover(school: School) -> list[str]:
    """`$cover` of the school: head librarian inherits librarian, which grants two permissions."""
    head, librarian, editor = school.head_librarian.pk, school.librarian.pk, school.editor.pk
    circulate, catalogue = school.circulate.pk, school.catalogue.pk
    return sorted(
        [
            f"r:{head}>r:{librarian}",
            f"r:{head}>p:{circulate}",
            f"r:{head}>p:{catalogue}",
            f"r:{librarian}>p:{circulate}",
            f"r:{librarian}>p:{catalogue}",
            f"r:{editor}>p:{school.publish.pk}",
        ]
    )


def link_row(link: Delegation) -> dict[str, Any]:
    """One entry of a returned `chain`: the DELEGATES edge `link` was projected to."""
    row = projector.graph_row("delegation", outbox.state(link), 0)
    return {name: row[name] for name in LINK_COLUMNS}


def link_edge(link: Delegation, lent: str) -> Edge:
    """The edge of a proof or chain that `link`, lending `lent`, must come back as."""
    return Edge(
        "delegation",
        f"person:{link.delegator_id}",
        f"person:{link.delegatee_id}",
        link.pk,
        link.valid_from,
        link.expires_at,
        {
            "grant": lent,
            "weight": link.weight,
            "max_redelegations": link.max_redelegations,
            "revoked_at": link.revoked_at,
        },
    )


def test_neo4j_check_sends_the_check_and_assembles_the_proof(neo4j, school: School):
    link = lend(school.alice, school.bob, permission=school.circulate, days=None, weight=2)
    assignment = school.alice.role_assignments.get()
    backend, driver = neo4j(
        {
            cypher_authz.PERMISSION_KEY: (["key"], [[f"p:{school.circulate.pk}"]]),
            cypher_authz.ROLE_EDGES: role_edge_rows(),
            CHECK: (
                [
                    "assignment_id",
                    "person_id",
                    "role_id",
                    "valid_from",
                    "valid_to",
                    "chain",
                    "hops",
                    "weight",
                ],
                [
                    [
                        assignment.pk,
                        school.alice.pk,
                        school.head_librarian.pk,
                        assignment.valid_from.timestamp(),
                        None,
                        [link_row(link)],
                        1,
                        2,
                    ]
                ],
            ),
            CYCLES: (["cycle"], [[[link.pk, 99]]]),
        }
    )

    result = backend.check(school.bob.pk, "library.circulate", T0)

    asked = {"at": T0.timestamp(), "cover": cover(school), "person": school.bob.pk}
    need = f"p:{school.circulate.pk}"
    assert driver.sent == [
        (cypher_authz.PERMISSION_KEY, {"codename": "library.circulate"}),
        (cypher_authz.ROLE_EDGES, {}),
        (CHECK, {**asked, "need": need, "min_budget": 0, "unit": None}),
        (CYCLES, {**asked, "need": need}),
    ]
    assert result == CheckResult(
        person_id=school.bob.pk,
        permission="library.circulate",
        at=T0,
        allowed=True,
        proof=[
            Edge(
                "assignment",
                f"person:{school.alice.pk}",
                "role:head-librarian",
                assignment.pk,
                assignment.valid_from,
                None,
            ),
            Edge("inherits", "role:head-librarian", "role:librarian"),
            Edge("grants", "role:librarian", "permission:library.circulate"),
            link_edge(link, "permission:library.circulate"),
        ],
        hops=1,
        weight=2,
        cycles=[[link.pk, 99]],
        query=CHECK,
    )


def test_neo4j_check_of_an_unknown_permission_asks_once_and_denies(neo4j, school: School):
    backend, driver = neo4j({cypher_authz.PERMISSION_KEY: (["key"], [])})

    result = backend.check(school.alice.pk, "no.such", T0)

    assert driver.sent == [(cypher_authz.PERMISSION_KEY, {"codename": "no.such"})]
    assert not result.allowed and result.proof == []


def test_neo4j_holdings_expand_held_roles_to_their_permissions(neo4j, school: School):
    lend(school.alice, school.bob, role=school.librarian)
    librarian = f"r:{school.librarian.pk}"
    backend, driver = neo4j(
        {
            cypher_authz.ROLE_EDGES: role_edge_rows(),
            HOLDINGS: (
                ["origin", "held", "hops", "scope_unit"],
                [
                    [school.alice.pk, f"r:{school.head_librarian.pk}", 0, None],
                    [school.bob.pk, librarian, 1, None],
                ],
            ),
        }
    )

    facts = backend.people_facts(
        [school.alice.pk, school.bob.pk, school.carol.pk], {"roles", "permissions"}, T0
    )

    ids = [school.alice.pk, school.bob.pk, school.carol.pk]
    assert driver.sent == [
        (cypher_authz.ROLE_EDGES, {}),
        (HOLDINGS, {"at": T0.timestamp(), "cover": cover(school), "ids": ids}),
    ]
    both = ["library.catalogue", "library.circulate"]
    assert facts == {
        school.alice.pk: {
            "roles": [{"role": "head-librarian", "scope_unit": None, "via": "assignment"}],
            "permissions": both,
        },
        school.bob.pk: {
            "roles": [{"role": "librarian", "scope_unit": None, "via": "delegation"}],
            "permissions": both,
        },
        school.carol.pk: {"roles": [], "permissions": []},
    }


def test_neo4j_paths_rank_the_chains_the_graph_returns(neo4j, school: School):
    direct = lend(school.alice, school.bob, permission=school.circulate, weight=9)
    two = [
        lend(school.alice, school.carol, permission=school.circulate, hops=1),
        lend(school.carol, school.bob, permission=school.circulate),
    ]
    three = [
        lend(school.alice, school.dan, permission=school.circulate, hops=2),
        lend(school.dan, school.erin, permission=school.circulate, hops=1),
        lend(school.erin, school.bob, permission=school.circulate),
    ]

    def chain(links: list[Delegation]) -> list[Any]:
        return [[link_row(link) for link in links], len(links), sum(x.weight for x in links)]

    backend, driver = neo4j(
        {
            cypher_authz.ROLE_EDGES: role_edge_rows(),
            PATHS: (["chain", "hops", "weight"], [chain(three), chain([direct]), chain(two)]),
        }
    )

    result = backend.paths(school.alice.pk, school.bob.pk, T0, k=2)

    assert driver.sent[-1] == (
        PATHS,
        {
            "at": T0.timestamp(),
            "cover": cover(school),
            "source": school.alice.pk,
            "target": school.bob.pk,
            "need": None,
        },
    )
    assert [[edge.id for edge in c.links] for c in result.shortest] == [
        [direct.pk],
        [link.pk for link in two],
    ]
    assert [[edge.id for edge in c.links] for c in result.cheapest] == [
        [link.pk for link in two],
        [link.pk for link in three],
    ]
    assert result.cheapest[0].links == [link_edge(x, "permission:library.circulate") for x in two]
    assert (result.cheapest[0].hops, result.cheapest[0].weight) == (2, 2)


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
