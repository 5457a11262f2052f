"""Unit scope, part of the graph contract: a scoped role assignment grants only within the
subtree of its unit, on every backend (`check(..., unit=)`), and `scope` lists that subtree."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from delegation import services
from delegation.graph.base import GraphBackend
from delegation.tests.scenario import DAY, T0, School, lend
from people.models import OrgUnit, Person
from people.tests.factories import OrgUnitFactory

pytestmark = pytest.mark.graph
Backend = Callable[[], GraphBackend]


@pytest.fixture
def units(db: None) -> dict[str, OrgUnit]:
    """science > physics > optics, and history beside science."""
    science = OrgUnitFactory(code="science")
    physics = OrgUnitFactory(code="physics", parent=science)
    return {
        "science": science,
        "physics": physics,
        "optics": OrgUnitFactory(code="optics", parent=physics),
        "history": OrgUnitFactory(code="history"),
    }


@pytest.fixture
def scoped_editor(school: School, units: dict[str, OrgUnit]) -> School:
    """Bob is an editor for physics only."""
    make_editor(school, school.bob, units["physics"])
    return school


def make_editor(school: School, person: Person, unit: OrgUnit | None) -> None:
    """`person` is an editor from the day before T0, within `unit` (None: everywhere)."""
    services.assignment_create(
        actor=None, person=person, role=school.editor, scope_unit=unit, valid_from=T0 - DAY
    )


@pytest.mark.parametrize(
    ("unit", "allowed"),
    [("physics", True), ("optics", True), ("science", False), ("history", False), (None, False)],
)
def test_a_scoped_assignment_grants_only_in_its_subtree(
    backend_factory: Backend,
    scoped_editor: School,
    units: dict[str, OrgUnit],
    unit: str | None,
    allowed: bool,
) -> None:
    unit_id = units[unit].pk if unit else None
    result = backend_factory().check(scoped_editor.bob.pk, "blog.publish", T0, unit=unit_id)

    assert result.allowed is allowed


def test_an_unscoped_assignment_grants_in_every_unit(
    backend_factory: Backend, school: School, units: dict[str, OrgUnit]
) -> None:
    graph = backend_factory()

    for unit_id in (None, units["optics"].pk, units["history"].pk):
        assert graph.check(school.alice.pk, "library.circulate", T0, unit=unit_id).allowed


def test_a_delegation_carries_the_scope_of_its_root(
    backend_factory: Backend, scoped_editor: School, units: dict[str, OrgUnit]
) -> None:
    lend(scoped_editor.bob, scoped_editor.carol, permission=scoped_editor.publish)
    graph = backend_factory()

    assert graph.check(scoped_editor.carol.pk, "blog.publish", T0, unit=units["optics"].pk).allowed
    assert not graph.check(
        scoped_editor.carol.pk, "blog.publish", T0, unit=units["history"].pk
    ).allowed


def test_scope_lists_the_subtree_of_each_scoped_assignment(
    backend_factory: Backend, scoped_editor: School, units: dict[str, OrgUnit]
) -> None:
    graph = backend_factory()

    scope = graph.scope(scoped_editor.bob.pk, "blog.publish", T0)

    assert not scope.everywhere
    assert scope.units == {units["physics"].pk, units["optics"].pk}
    assert scope.covers(units["optics"].pk) and not scope.covers(units["science"].pk)
    assert graph.scope(scoped_editor.alice.pk, "library.circulate", T0).everywhere
    nothing = graph.scope(scoped_editor.carol.pk, "blog.publish", T0)
    assert not nothing.everywhere and not nothing.units


def test_scope_follows_delegations_and_their_validity(
    backend_factory: Backend, scoped_editor: School, units: dict[str, OrgUnit]
) -> None:
    """A delegation carries its root's scope; a lapsed one carries nothing; a second root adds
    its own subtree; an unknown permission is held nowhere."""
    school = scoped_editor
    lend(school.bob, school.carol, permission=school.publish, days=5)
    make_editor(school, school.dan, units["history"])
    lend(school.dan, school.carol, permission=school.publish, days=20)
    graph = backend_factory()

    both = graph.scope(school.carol.pk, "blog.publish", T0 + DAY)
    later = graph.scope(school.carol.pk, "blog.publish", T0 + 6 * DAY)
    assert both.units == {units["physics"].pk, units["optics"].pk, units["history"].pk}
    assert not both.everywhere
    assert later.units == {units["history"].pk}
    assert graph.scope(school.carol.pk, "blog.publish", T0 + 21 * DAY).units == frozenset()
    assert graph.scope(school.carol.pk, "nope.nothing", T0).units == frozenset()


def test_an_unscoped_holding_wins_over_a_scoped_one(
    backend_factory: Backend, scoped_editor: School, units: dict[str, OrgUnit]
) -> None:
    """Bob is an editor for physics and, besides, everywhere: he holds it everywhere, as
    `scope` and an unscoped `check` say; Carol, lent it by Dan (editor for history only),
    holds it in history."""
    school = scoped_editor
    make_editor(school, school.bob, None)
    make_editor(school, school.dan, units["history"])
    lend(school.dan, school.carol, role=school.editor)
    graph = backend_factory()

    held, _ = graph.holdings([school.bob.pk, school.carol.pk], T0)
    bob, carol = held[school.bob.pk], held[school.carol.pk]
    assert bob["role"] == [{"name": "editor", "hops": 0, "scope_unit": None}]
    assert bob["permission"] == [{"name": "blog.publish", "hops": 0, "scope_unit": None}]
    assert graph.what_can(school.bob.pk, T0).items[0]["scope_unit"] is None
    assert graph.scope(school.bob.pk, "blog.publish", T0).everywhere
    assert graph.check(school.bob.pk, "blog.publish", T0).allowed
    history = units["history"].pk
    assert carol["role"] == [{"name": "editor", "hops": 1, "scope_unit": history}]
    assert graph.what_can(school.carol.pk, T0).items[0]["scope_unit"] == history
