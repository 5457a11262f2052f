"""The directory's access policy (school/README.md): who sees whose email, org chart, roles,
courses and grades, and filters that match only what the caller may see."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from delegation.tests.factories import grant
from people.models import Person
from people.tests.factories import OrgUnitFactory
from school.models import Enrollment
from school.tests.factories import (
    EnrollmentFactory,
    PersonFactory,
    PersonPreferencesFactory,
    SectionFactory,
    TeachingAssignmentFactory,
)

pytestmark = pytest.mark.django_db

PEOPLE = reverse("school-api:people")
EXPAND_COURSES: dict[str, Any] = {"expand": "courses", "page_size": 50}


def person_url(pk: int) -> str:
    return reverse("school-api:person", args=[pk])


def client_of(person: Person | None, username: str) -> APIClient:
    user = User.objects.create_user(username, f"{username}@example.com", "pw")
    if person is not None:
        person.user = user
        person.save(update_fields=["user"])
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def campus() -> dict:
    """Two students in science (one graded F), one in history, and science's teacher."""
    science = OrgUnitFactory(code="science")
    history = OrgUnitFactory(code="history")
    section = SectionFactory()
    me, classmate = PersonFactory(org_unit=science), PersonFactory(org_unit=science)
    other = PersonFactory(org_unit=history)
    teacher = PersonFactory(kind=Person.Kind.TEACHER, org_unit=science)
    TeachingAssignmentFactory(teacher=teacher, section=section)
    for student, grade in ((me, "B"), (classmate, "F"), (other, "A")):
        EnrollmentFactory(
            student=student, section=section, status=Enrollment.Status.COMPLETED, grade=grade
        )
    PersonPreferencesFactory(person=classmate, data={"secret_note": "classmate-private"})
    return {
        "science": science,
        "history": history,
        "me": me,
        "classmate": classmate,
        "other": other,
        "teacher": teacher,
    }


def test_a_student_sees_another_students_public_profile_only(campus: dict) -> None:
    client = client_of(campus["me"], "me")

    body = client.get(person_url(campus["classmate"].pk), {"expand": "courses,roles"}).json()

    assert "email" not in body and "roles" not in body
    assert body["courses"] == []
    assert body["name"] == campus["classmate"].name
    assert {"email", "roles", "courses"} <= set(body["meta"]["hidden"])


def test_a_student_sees_their_own_grades(campus: dict) -> None:
    client = client_of(campus["me"], "me")

    body = client.get(person_url(campus["me"].pk), {"expand": "courses"}).json()

    assert body["email"] == campus["me"].email
    assert [entry["grade"] for entry in body["courses"]] == ["B"]
    assert body["meta"]["hidden"] == []


def matches(client: APIClient, query: dict) -> int:
    """How many people the directory lists for `query` (one page holds them all here)."""
    body = client.get(PEOPLE, query).json()
    assert body["next"] is None
    return len(body["results"])


def test_an_account_without_a_person_reads_no_email_and_no_grade(
    member_client: APIClient, campus: dict
) -> None:
    body = member_client.get(PEOPLE, EXPAND_COURSES).json()

    assert len(body["results"]) == 4 and body["next"] is None
    assert not any("email" in row for row in body["results"])
    assert not any(row["courses"] for row in body["results"])


def test_a_teacher_sees_the_grades_of_their_sections(campus: dict) -> None:
    client = client_of(campus["teacher"], "teacher")

    body = client.get(person_url(campus["other"].pk), {"expand": "courses"}).json()

    assert [entry["grade"] for entry in body["courses"]] == ["A"]
    assert "email" not in body  # history is outside any directory scope of theirs


def test_a_scoped_directory_holder_sees_their_subtree_without_grades(campus: dict) -> None:
    registrar = PersonFactory(kind=Person.Kind.STAFF, org_unit=campus["science"])
    grant(registrar, "school.view_directory", unit=campus["science"])
    client = client_of(registrar, "registrar")

    body = client.get(PEOPLE, EXPAND_COURSES).json()

    rows = {row["id"]: row for row in body["results"]}
    classmate, other = rows[campus["classmate"].pk], rows[campus["other"].pk]
    assert classmate["email"] == campus["classmate"].email
    assert classmate["courses"] and "grade" not in classmate["courses"][0]
    assert "email" not in other and other["courses"] == []
    assert "courses.grade" in body["meta"]["hidden"]


def test_an_unscoped_directory_holder_sees_every_email(campus: dict) -> None:
    registrar = PersonFactory(kind=Person.Kind.STAFF, org_unit=campus["science"])
    grant(registrar, "school.view_directory")
    client = client_of(registrar, "registrar")

    body = client.get(PEOPLE, {"page_size": 50}).json()

    assert all("email" in row for row in body["results"])


def test_the_preference_filter_matches_only_ones_own_preferences(
    member_client: APIClient, staff_client: APIClient, campus: dict
) -> None:
    query = {"preference": "secret_note:classmate-private"}

    assert matches(member_client, query) == 0
    assert matches(client_of(campus["me"], "me"), query) == 0
    assert matches(client_of(campus["classmate"], "mate"), query) == 1
    assert matches(staff_client, query) == 1


def test_the_search_matches_an_email_only_where_it_may_be_seen(
    staff_client: APIClient, campus: dict
) -> None:
    campus["classmate"].email = "hidden-address@example.com"
    campus["classmate"].save(update_fields=["email"])

    assert matches(client_of(campus["me"], "me"), {"q": "hidden-address"}) == 0
    assert matches(staff_client, {"q": "hidden-address"}) == 1


def test_meta_hidden_does_not_tell_whether_someone_has_enrolments(campus: dict) -> None:
    client = client_of(campus["me"], "me")
    never_enrolled = PersonFactory(org_unit=campus["science"])

    enrolled = client.get(person_url(campus["classmate"].pk), EXPAND_COURSES).json()
    not_enrolled = client.get(person_url(never_enrolled.pk), EXPAND_COURSES).json()

    assert enrolled["courses"] == not_enrolled["courses"] == []
    assert enrolled["meta"]["hidden"] == not_enrolled["meta"]["hidden"]


@override_settings(INTERNALS_PUBLIC=False)
def test_store_timings_and_cache_counts_are_for_staff_only_in_production(
    campus: dict, staff_client: APIClient
) -> None:
    member = client_of(campus["me"], "me")
    for answer in (member.get(PEOPLE).json(), member.get(person_url(campus["me"].pk)).json()):
        assert not {"stores", "cache"} & set(answer["meta"])
    assert {"stores", "cache"} <= set(staff_client.get(PEOPLE).json()["meta"])
