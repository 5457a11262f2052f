"""Who may act for a person and who sees their private details (`people.policies`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import AnonymousUser

from people import policies
from people.models import Person
from people.tests.factories import OrgUnitFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Scope:
    everywhere: bool = False
    units: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Viewer:
    staff: bool = False
    own_person: int | None = None
    scope: Scope = field(default_factory=Scope)


def test_system_writes_and_staff_act_for_anyone_others_only_for_their_own_person():
    own_user, staff = UserFactory(), UserFactory(is_staff=True)
    own, other = PersonFactory(user=own_user), PersonFactory()
    assert policies.may_act_for(actor=None, person=other)
    assert policies.may_act_for(actor=staff, person=other)
    assert policies.may_act_for(actor=own_user, person=own)
    assert not policies.may_act_for(actor=own_user, person=other)
    assert not policies.may_act_for(actor=AnonymousUser(), person=own)
    assert not policies.may_act_for(actor=UserFactory(), person=PersonFactory(user=None))


def test_the_people_acted_for_as_a_filter_agree_with_the_decision():
    own_user, staff = UserFactory(), UserFactory(is_staff=True)
    own, other = PersonFactory(user=own_user), PersonFactory()

    def acted_for(actor) -> set[int]:
        return set(
            Person.objects.filter(policies.acted_for(actor=actor)).values_list("pk", flat=True)
        )

    assert acted_for(None) == acted_for(staff) == {own.pk, other.pk}
    assert acted_for(own_user) == {own.pk}
    assert acted_for(AnonymousUser()) == set()


def test_private_details_are_the_persons_staffs_and_a_covering_scopes():
    unit, elsewhere = OrgUnitFactory(), OrgUnitFactory()
    me, colleague, stranger = (PersonFactory(org_unit=u) for u in (unit, unit, elsewhere))
    scoped = Viewer(own_person=me.pk, scope=Scope(units=frozenset({unit.pk})))
    viewers = {
        "staff": Viewer(staff=True),
        "everywhere": Viewer(scope=Scope(everywhere=True)),
        "own": Viewer(own_person=stranger.pk),
        "scoped": scoped,
        "nobody": Viewer(),
    }
    seen = {
        name: {
            person.pk
            for person in (me, colleague, stranger)
            if policies.may_see_private(
                viewer=viewer, person_id=person.pk, unit_id=person.org_unit_id
            )
        }
        for name, viewer in viewers.items()
    }
    everyone = {me.pk, colleague.pk, stranger.pk}
    assert seen == {
        "staff": everyone,
        "everywhere": everyone,
        "own": {stranger.pk},
        "scoped": {me.pk, colleague.pk},
        "nobody": set(),
    }
    for name, viewer in viewers.items():
        rows = Person.objects.filter(policies.private_rows(viewer=viewer), pk__in=everyone)
        assert set(rows.values_list("pk", flat=True)) == seen[name], name
