"""`user_can`: the contract the library (and any app) relies on."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, User

from delegation.authz import user_can
from delegation.tests.scenario import DAY, T0, School, lend


def test_staff_may_do_anything(staff_user: User):
    assert user_can(staff_user, "library.circulate")


def test_anonymous_may_do_nothing(db: None):
    assert not user_can(AnonymousUser(), "library.circulate")


def test_user_without_person_may_do_nothing(member_user: User):
    assert not user_can(member_user, "library.circulate")


@pytest.fixture
def bob_user(school: School, member_user: User) -> User:
    school.bob.user = member_user
    school.bob.save(update_fields=["user"])
    return member_user


def test_member_holds_it_through_the_graph_at_a_time(school: School, bob_user: User):
    lend(school.alice, school.bob, permission=school.circulate, days=2)

    assert user_can(bob_user, "library.circulate", T0 + DAY)
    assert not user_can(bob_user, "library.circulate", T0 + 3 * DAY)
    assert not user_can(bob_user, "blog.publish", T0 + DAY)


def test_inactive_person_holds_nothing(school: School, bob_user: User):
    lend(school.alice, school.bob, permission=school.circulate, days=2)
    school.bob.active = False
    school.bob.save(update_fields=["active"])

    assert not user_can(bob_user, "library.circulate", T0 + DAY)


def test_a_decision_costs_two_queries(school: School, bob_user: User, django_assert_num_queries):
    lend(school.alice, school.bob, permission=school.circulate, days=2)
    with django_assert_num_queries(2):  # the user's person, then the one CHECK statement
        assert user_can(bob_user, "library.circulate", T0 + DAY)


def test_graph_down_decides_from_sql(school: School, bob_user: User, settings, caplog):
    """With Neo4j configured but unreachable, the decision comes from SQL, never a 500."""
    lend(school.alice, school.bob, permission=school.circulate, days=2)
    settings.NEO4J_BOLT_URL = "bolt://neo4j:secret@127.0.0.1:1"
    settings.GRAPH_BACKEND = "neo4j"

    assert user_can(bob_user, "library.circulate", T0 + DAY)
    assert not user_can(bob_user, "blog.publish", T0 + DAY)
    assert "the check was decided from SQL" in caplog.text
