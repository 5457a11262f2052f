"""The door matrix: routes of the access policy (README "Access policy") by each role, asserting
the status each role gets and, for the directory, which private parts reach it.

Each row of DOORS is a line of the README's table made executable; a route whose policy changes
changes here and there together.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from delegation.tests.factories import grant
from people.models import Person
from people.tests.factories import OrgUnitFactory
from school.models import Enrollment
from school.tests.directory_factories import (
    EnrollmentFactory,
    PersonFactory,
    SectionFactory,
    TeachingAssignmentFactory,
)

pytestmark = pytest.mark.django_db
ROLES = ("anonymous", "member", "student", "teacher", "unit_head", "staff")
SIGNED_IN = dict.fromkeys(ROLES[1:], 200)


def only_staff(ok: int) -> dict[str, int]:
    return {"anonymous": 401, **dict.fromkeys(ROLES[1:-1], 403), "staff": ok}


# (method, path, body, {role: status}); `{classmate}` is filled in per test.
DOORS: list[tuple[str, str, dict[str, Any] | None, dict[str, int]]] = [
    ("get", "/api/school/people/", None, {"anonymous": 401, **SIGNED_IN}),
    ("get", "/api/school/people/{classmate}/", None, {"anonymous": 401, **SIGNED_IN}),
    ("get", "/api/school/courses/", None, {"anonymous": 200, **SIGNED_IN}),
    ("get", "/api/library/books/", None, {"anonymous": 200, **SIGNED_IN}),
    ("get", "/api/delegation/who-can/?permission=blog.publish", None, only_staff(200)),
    ("get", "/api/delegation/what-can/?person={classmate}", None, only_staff(200)),
    ("get", "/api/delegation/org/units/", None, {"anonymous": 401, **SIGNED_IN}),
    ("get", "/api/delegation/roles/", None, only_staff(200)),
    ("get", "/api/delegation/audit/", None, only_staff(200)),
    (
        "post",
        "/api/blog/posts/",
        {"title": "t", "body": "b", "status": "published"},
        only_staff(201),
    ),
    (
        "post",
        "/api/blog/posts/",
        {"title": "d", "body": "b", "status": "draft"},
        {"anonymous": 401, **dict.fromkeys(ROLES[1:], 201)},
    ),
    ("get", "/delegation/?question=units", None, {"anonymous": 302, **SIGNED_IN}),
    (
        "get",
        "/delegation/?question=who_can&permission=school.view_directory",
        None,
        {"anonymous": 302, **dict.fromkeys(ROLES[1:-1], 403), "staff": 200},
    ),
    ("get", "/school/", None, {"anonymous": 302, **SIGNED_IN}),
    ("get", "/accounts/", None, {"anonymous": 302, **SIGNED_IN}),
    ("get", "/blog/", None, {"anonymous": 200, **SIGNED_IN}),
]
# What each role sees of a classmate's entry (`?expand=courses,roles`): private parts, grade.
SEES: dict[str, tuple[bool, bool]] = {
    "member": (False, False),
    "student": (False, False),
    "teacher": (False, True),  # their section's grade, no directory scope
    "unit_head": (True, False),  # the unit's directory, no grades
    "staff": (True, True),
}


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    unit = OrgUnitFactory(code="science")
    section = SectionFactory()
    classmate = PersonFactory(org_unit=unit)
    EnrollmentFactory(
        student=classmate, section=section, status=Enrollment.Status.COMPLETED, grade="C"
    )
    teacher = PersonFactory(kind=Person.Kind.TEACHER, org_unit=unit)
    head = PersonFactory(kind=Person.Kind.STAFF, org_unit=unit)
    people = {"student": PersonFactory(org_unit=unit), "teacher": teacher, "unit_head": head}
    TeachingAssignmentFactory(teacher=teacher, section=section)
    grant(head, "school.view_directory", unit=unit)
    return {"classmate": classmate, "people": people}


def client_for(role: str, world: dict[str, Any]) -> Client:
    client = APIClient()
    if role == "anonymous":
        return client
    user = User.objects.create_user(role, f"{role}@example.com", "pw", is_staff=role == "staff")
    person = world["people"].get(role)
    if person is not None:
        person.user = user
        person.save(update_fields=["user"])
    client.force_login(user)
    return client


def call(client: Client, method: str, path: str, body: dict | None) -> Any:
    send: Callable[..., Any] = getattr(client, method)
    return send(path, body, format="json") if body is not None else send(path)


@pytest.mark.parametrize("role", ROLES)
def test_every_door_answers_each_role_as_the_policy_says(role: str, world: dict) -> None:
    client = client_for(role, world)
    answers = {}
    for method, path, body, expected in DOORS:
        url = path.format(classmate=world["classmate"].pk)
        answers[(method, url)] = (call(client, method, url, body).status_code, expected[role])

    assert {door: got for door, (got, _) in answers.items()} == {
        door: want for door, (_, want) in answers.items()
    }


@pytest.mark.parametrize("role", list(SEES))
def test_the_directory_shows_each_role_what_the_policy_says(role: str, world: dict) -> None:
    client = client_for(role, world)
    body = client.get(
        f"/api/school/people/{world['classmate'].pk}/", {"expand": "courses,roles"}
    ).json()

    private, grade = SEES[role]
    assert ("email" in body, "roles" in body) == (private, private)
    assert any("grade" in entry for entry in body["courses"]) is grade
    assert body["name"] == world["classmate"].name
