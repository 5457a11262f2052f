"""The contract every graph backend must pass: same data, same answers.

Runs on the SQL backend and on Neo4j (the one scripts/test.sh starts).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from delegation import services
from delegation.graph.base import GraphBackend
from delegation.tests.scenario import DAY, T0, School, lend
from people import services as people_services
from people.tests.factories import OrgUnitFactory, PersonFactory

pytestmark = pytest.mark.graph
Backend = Callable[[], GraphBackend]
SECOND = timedelta(seconds=1)


def kinds(result) -> list[str]:
    return [edge.kind for edge in result.proof]


# --- check: assignments and inheritance -------------------------------------------------------
def test_assignment_through_inheritance_is_proved(backend_factory: Backend, school: School):
    result = backend_factory().check(school.alice.pk, "library.circulate", T0)

    assert result.allowed
    assert kinds(result) == ["assignment", "inherits", "grants"]
    assert result.proof[0].source == f"person:{school.alice.pk}"
    assert result.proof[-1].target == "permission:library.circulate"
    assert result.hops == 0
    assert result.query


def test_nothing_held_is_refused_without_proof(backend_factory: Backend, school: School):
    result = backend_factory().check(school.bob.pk, "library.circulate", T0)

    assert not result.allowed
    assert result.proof == []


def test_unknown_permission_is_simply_not_held(backend_factory: Backend, school: School):
    assert not backend_factory().check(school.alice.pk, "nope.nothing", T0).allowed


def test_assignment_window_edges(backend_factory: Backend, school: School):
    services.assignment_create(
        actor=None, person=school.bob, role=school.editor, valid_from=T0, valid_to=T0 + DAY
    )
    graph = backend_factory()

    assert not graph.check(school.bob.pk, "blog.publish", T0 - SECOND).allowed
    assert graph.check(school.bob.pk, "blog.publish", T0).allowed
    assert graph.check(school.bob.pk, "blog.publish", T0 + DAY - SECOND).allowed
    assert not graph.check(school.bob.pk, "blog.publish", T0 + DAY).allowed


# --- check: delegation chains -----------------------------------------------------------------
def test_delegation_window_edges(backend_factory: Backend, school: School):
    link = lend(school.alice, school.bob, permission=school.circulate, days=10)
    graph = backend_factory()

    assert not graph.check(school.bob.pk, "library.circulate", T0 - SECOND).allowed
    at_start = graph.check(school.bob.pk, "library.circulate", T0)
    assert at_start.allowed
    assert kinds(at_start) == ["assignment", "inherits", "grants", "delegation"]
    assert at_start.proof[-1].id == link.pk
    assert at_start.hops == 1
    assert graph.check(school.bob.pk, "library.circulate", T0 + 10 * DAY - SECOND).allowed
    assert not graph.check(school.bob.pk, "library.circulate", T0 + 10 * DAY).allowed


def test_revocation_counts_from_its_time(backend_factory: Backend, school: School):
    link = lend(school.alice, school.bob, permission=school.circulate)
    services.delegation_revoke(actor=None, delegation=link, at=T0 + 5 * DAY)
    graph = backend_factory()

    assert graph.check(school.bob.pk, "library.circulate", T0 + 5 * DAY - SECOND).allowed
    assert not graph.check(school.bob.pk, "library.circulate", T0 + 5 * DAY).allowed


def test_revocation_counts_to_the_microsecond(backend_factory: Backend, school: School):
    """The outbox keeps microseconds: a check 300 µs before a revocation at +700 µs allows."""
    link = lend(school.alice, school.bob, permission=school.circulate)
    revoked = T0 + DAY + timedelta(microseconds=700)
    services.delegation_revoke(actor=None, delegation=link, at=revoked)
    graph = backend_factory()

    assert graph.check(
        school.bob.pk, "library.circulate", revoked - timedelta(microseconds=400)
    ).allowed
    assert not graph.check(school.bob.pk, "library.circulate", revoked).allowed


def test_redelegation_within_the_limit_counts(backend_factory: Backend, school: School):
    lend(school.alice, school.bob, permission=school.circulate, hops=1)
    lend(school.bob, school.carol, permission=school.circulate)
    result = backend_factory().check(school.carol.pk, "library.circulate", T0 + DAY)

    assert result.allowed
    assert kinds(result)[-2:] == ["delegation", "delegation"]
    assert result.hops == 2


def test_redelegation_beyond_the_limit_stops_counting(backend_factory: Backend, school: School):
    first = lend(school.alice, school.bob, permission=school.circulate, hops=1)
    lend(school.bob, school.carol, permission=school.circulate)
    services.delegation_update(
        actor=None,
        delegation=first,
        expires_at=first.expires_at,
        weight=1,
        max_redelegations=0,
        reason="",
    )
    graph = backend_factory()

    assert graph.check(school.bob.pk, "library.circulate", T0 + DAY).allowed
    assert not graph.check(school.carol.pk, "library.circulate", T0 + DAY).allowed


def test_chain_breaks_when_the_delegator_loses_the_grant(backend_factory: Backend, school: School):
    lend(school.alice, school.bob, permission=school.circulate, hops=1, days=20)
    lend(school.bob, school.carol, permission=school.circulate, days=20)
    alice_role = school.alice.role_assignments.get()
    services.assignment_update(
        actor=None, assignment=alice_role, valid_to=T0 + 3 * DAY, scope_unit=None
    )
    graph = backend_factory()

    assert graph.check(school.carol.pk, "library.circulate", T0 + 3 * DAY - SECOND).allowed
    assert not graph.check(school.carol.pk, "library.circulate", T0 + 3 * DAY).allowed
    assert not graph.check(school.bob.pk, "library.circulate", T0 + 3 * DAY).allowed


def test_delegated_role_brings_its_inherited_permissions(backend_factory: Backend, school: School):
    lend(school.alice, school.bob, role=school.librarian, hops=1)
    lend(school.bob, school.carol, permission=school.catalogue)
    graph = backend_factory()
    result = graph.check(school.carol.pk, "library.catalogue", T0)

    assert result.allowed
    # head-librarian inherits librarian, lent to Bob, whose grants include what he lent Carol.
    assert kinds(result) == ["assignment", "inherits", "delegation", "grants", "delegation"]
    assert not graph.check(school.carol.pk, "library.circulate", T0).allowed


def test_cycles_terminate_and_are_reported(backend_factory: Backend, school: School):
    lend(school.alice, school.bob, permission=school.circulate, hops=3)
    lend(school.bob, school.carol, permission=school.circulate, hops=2)
    back = lend(school.carol, school.bob, permission=school.circulate, hops=1)
    graph = backend_factory()
    result = graph.check(school.bob.pk, "library.circulate", T0)

    assert result.allowed and result.hops == 1
    assert any(back.pk in cycle for cycle in result.cycles)
    assert not graph.check(school.dan.pk, "library.circulate", T0).allowed


def test_a_cycle_is_reported_to_everyone_on_it(backend_factory: Backend, school: School):
    """One definition of a cycle on both backends: a chain into the person whose farthest
    delegator appears again on it, reported in chain order."""
    there = lend(school.alice, school.bob, role=school.librarian, hops=1)
    back = lend(school.bob, school.alice, role=school.librarian, hops=1)
    graph = backend_factory()

    assert graph.check(school.alice.pk, "library.circulate", T0).cycles == [[there.pk, back.pk]]
    assert graph.check(school.bob.pk, "library.circulate", T0).cycles == [[back.pk, there.pk]]


def test_shortest_proof_wins_over_lighter_longer_one(backend_factory: Backend, school: School):
    lend(school.alice, school.bob, permission=school.circulate, hops=1, weight=1)
    lend(school.bob, school.dan, permission=school.circulate, weight=1)
    direct = lend(school.alice, school.dan, permission=school.circulate, weight=9)
    result = backend_factory().check(school.dan.pk, "library.circulate", T0)

    assert result.hops == 1
    assert result.proof[-1].id == direct.pk


def test_equal_length_proofs_tie_break_on_weight(backend_factory: Backend, school: School):
    lend(school.alice, school.bob, permission=school.circulate, hops=1, weight=1)
    lend(school.alice, school.carol, permission=school.circulate, hops=1, weight=1)
    lend(school.bob, school.dan, permission=school.circulate, weight=7)
    light = lend(school.carol, school.dan, permission=school.circulate, weight=2)
    result = backend_factory().check(school.dan.pk, "library.circulate", T0)

    assert result.hops == 2 and result.weight == 3
    assert result.proof[-1].id == light.pk


# --- who can, what can -------------------------------------------------------------------------
def test_who_can_pages_through_every_holder(backend_factory: Backend, school: School):
    lend(school.alice, school.bob, permission=school.circulate, hops=1)
    lend(school.bob, school.carol, permission=school.circulate)
    lend(school.alice, school.erin, permission=school.catalogue)
    graph = backend_factory()

    first = graph.who_can("library.circulate", T0, limit=2)
    assert [row["id"] for row in first.items] == [school.alice.pk, school.bob.pk]
    assert not first.complete and first.next_cursor is not None
    second = graph.who_can("library.circulate", T0, after=first.next_cursor, limit=2)
    assert [row["id"] for row in second.items] == [school.carol.pk]
    assert second.complete and second.next_cursor is None
    assert [row["hops"] for row in first.items + second.items] == [0, 1, 2]


def test_who_can_pages_past_holders_and_candidates_that_hold_nothing(
    backend_factory: Backend, school: School
):
    """Keyset pages are exact whatever a page's candidates are: a holder who receives several
    delegations counts once, and people who receive a lapsed delegation or one from someone
    who holds nothing (candidates the walk refuses) neither end a page early nor show."""
    for _ in range(3):
        lend(school.alice, school.bob, permission=school.circulate, hops=1)
    lend(school.bob, school.carol, permission=school.circulate)
    lend(school.alice, school.dan, role=school.librarian, start=T0 - 20 * DAY, days=5)
    lend(school.alice, school.erin, permission=school.circulate, days=None)
    services.assignment_update(
        actor=None,
        assignment=school.alice.role_assignments.get(),
        valid_to=T0 + 5 * DAY,
        scope_unit=None,
    )
    graph = backend_factory()

    for at, expected in (
        (T0, [school.alice, school.bob, school.carol, school.erin]),
        (T0 + 6 * DAY, []),
    ):
        seen, after, pages = [], 0, 0
        while True:
            page = graph.who_can("library.circulate", at, after=after, limit=1)
            seen += [row["id"] for row in page.items]
            pages += 1
            if page.complete:
                break
            assert page.next_cursor is not None
            after = page.next_cursor
        assert seen == [person.pk for person in expected]
        assert pages == max(len(expected), 1)


def test_who_can_respects_time(backend_factory: Backend, school: School):
    lend(school.alice, school.bob, permission=school.circulate, days=1)
    graph = backend_factory()

    holders = graph.who_can("library.circulate", T0 + 2 * DAY).items
    assert [row["id"] for row in holders] == [school.alice.pk]


def test_what_can_lists_permissions_with_their_origin(backend_factory: Backend, school: School):
    services.assignment_create(
        actor=None, person=school.bob, role=school.editor, valid_from=T0 - DAY
    )
    lend(school.alice, school.bob, permission=school.circulate)
    items = backend_factory().what_can(school.bob.pk, T0).items

    assert items == [
        {"permission": "blog.publish", "via": "assignment", "hops": 0},
        {"permission": "library.circulate", "via": "delegation", "hops": 1},
    ]


# --- paths --------------------------------------------------------------------------------------
def test_paths_k_shortest_and_cheapest(backend_factory: Backend, school: School):
    lend(school.alice, school.bob, permission=school.circulate, hops=2, weight=1)
    lend(school.bob, school.carol, permission=school.circulate, hops=1, weight=1)
    lend(school.carol, school.dan, permission=school.circulate, weight=1)
    lend(school.alice, school.dan, permission=school.circulate, weight=10)
    result = backend_factory().paths(school.alice.pk, school.dan.pk, T0, k=2)

    assert [chain.hops for chain in result.shortest] == [1, 3]
    assert [chain.weight for chain in result.cheapest] == [3, 10]
    assert [edge.target for edge in result.cheapest[0].links] == [
        f"person:{school.bob.pk}",
        f"person:{school.carol.pk}",
        f"person:{school.dan.pk}",
    ]


def test_paths_ignore_lapsed_links(backend_factory: Backend, school: School):
    lend(school.alice, school.bob, permission=school.circulate, days=1)
    result = backend_factory().paths(school.alice.pk, school.bob.pk, T0 + 2 * DAY)

    assert result.shortest == [] and result.cheapest == []


# --- org chart ----------------------------------------------------------------------------------
@pytest.fixture
def org(db: None) -> dict:
    """head <- (mid_a <- (x, y), mid_b <- z), lines from T0."""
    people = {
        name: PersonFactory(given_name=name) for name in ("head", "mid_a", "mid_b", "x", "y", "z")
    }
    for person, manager in [
        ("mid_a", "head"),
        ("mid_b", "head"),
        ("x", "mid_a"),
        ("y", "mid_a"),
        ("z", "mid_b"),
    ]:
        people_services.reporting_line_create(
            actor=None, person=people[person], manager=people[manager], valid_from=T0
        )
    return people


def test_manager_chain_to_the_top(backend_factory: Backend, org: dict):
    chain = backend_factory().manager_chain(org["x"].pk, T0 + DAY).items

    assert [(row["id"], row["depth"]) for row in chain] == [
        (org["mid_a"].pk, 1),
        (org["head"].pk, 2),
    ]


def test_reports_with_depth(backend_factory: Backend, org: dict):
    rows = backend_factory().reports(org["head"].pk, T0 + DAY).items

    depth = {row["id"]: row["depth"] for row in rows}
    assert depth == {
        org["mid_a"].pk: 1,
        org["mid_b"].pk: 1,
        org["x"].pk: 2,
        org["y"].pk: 2,
        org["z"].pk: 2,
    }


def test_org_chart_is_time_bound(backend_factory: Backend, org: dict):
    people_services.reporting_line_create(
        actor=None, person=org["x"], manager=org["mid_b"], valid_from=T0 + 5 * DAY
    )
    graph = backend_factory()

    assert graph.manager_chain(org["x"].pk, T0 + DAY).items[0]["id"] == org["mid_a"].pk
    assert graph.manager_chain(org["x"].pk, T0 + 6 * DAY).items[0]["id"] == org["mid_b"].pk
    assert graph.manager_chain(org["x"].pk, T0 - DAY).items == []


def test_lowest_common_manager(backend_factory: Backend, org: dict):
    graph = backend_factory()
    at = T0 + DAY

    assert (
        graph.lowest_common_manager(org["x"].pk, org["y"].pk, at).items[0]["id"] == org["mid_a"].pk
    )
    assert (
        graph.lowest_common_manager(org["x"].pk, org["z"].pk, at).items[0]["id"] == org["head"].pk
    )
    assert (
        graph.lowest_common_manager(org["x"].pk, org["mid_a"].pk, at).items[0]["id"]
        == org["mid_a"].pk
    )
    assert graph.lowest_common_manager(org["x"].pk, org["z"].pk, T0 - DAY).items == []


def test_unit_tree_depth_first(backend_factory: Backend, db: None):
    root = OrgUnitFactory(code="root", name="Root")
    a = OrgUnitFactory(code="a", name="A", parent=root)
    OrgUnitFactory(code="a1", name="A1", parent=a)
    OrgUnitFactory(code="b", name="B", parent=root)
    PersonFactory(org_unit=a)
    graph = backend_factory()

    rows = graph.unit_tree(root.pk).items
    assert [(row["code"], row["depth"]) for row in rows] == [
        ("root", 0),
        ("a", 1),
        ("a1", 2),
        ("b", 1),
    ]
    assert rows[1]["people"] == 1
    assert [row["code"] for row in graph.unit_tree(a.pk).items] == ["a", "a1"]


# --- people_facts: the directory's batched call -----------------------------------------------
def test_people_facts_values(backend_factory: Backend, org: dict, school: School):
    services.assignment_create(actor=None, person=org["x"], role=school.editor, valid_from=T0 - DAY)
    lend(school.alice, org["x"], role=school.librarian)
    facts = backend_factory().people_facts(
        [org["x"].pk, org["mid_a"].pk],
        {"manager_chain", "reports", "roles", "permissions"},
        T0 + DAY,
    )

    x = facts[org["x"].pk]
    assert [row["id"] for row in x["manager_chain"]] == [org["mid_a"].pk, org["head"].pk]
    assert x["reports"] == []
    assert sorted((row["role"], row["via"]) for row in x["roles"]) == [
        ("editor", "assignment"),
        ("librarian", "delegation"),
    ]
    assert x["permissions"] == ["blog.publish", "library.catalogue", "library.circulate"]
    mid = facts[org["mid_a"].pk]
    assert sorted((row["id"], row["depth"]) for row in mid["reports"]) == [
        (org["x"].pk, 1),
        (org["y"].pk, 1),
    ]
    assert mid["roles"] == [] and mid["permissions"] == []


def test_people_facts_only_what_was_asked(backend_factory: Backend, org: dict):
    facts = backend_factory().people_facts([org["x"].pk], {"manager_chain"}, T0 + DAY)

    assert list(facts[org["x"].pk]) == ["manager_chain"]


def test_people_facts_cost_does_not_grow_with_the_page(backend_factory: Backend, org: dict):
    graph = backend_factory()
    every_fact = {"manager_chain", "reports", "roles", "permissions"}
    counts = []
    for ids in ([org["x"].pk], [person.pk for person in org.values()]):
        with CaptureQueriesContext(connection) as queries:
            graph.people_facts(ids, every_fact, T0 + DAY)
        counts.append(len(queries))
    assert counts[0] == counts[1]
