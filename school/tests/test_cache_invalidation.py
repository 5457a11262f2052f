"""Each directory cache family is invalidated by the writes that change it, through their
services, and by nothing else (`school.caching`), on real Redis."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from common.cache.readthrough import Family, read_one
from delegation import services as delegation_services
from delegation.tests.factories import RoleFactory
from people import selectors as people_selectors
from people import services as people_services
from people.models import Person
from school import selectors, services
from school.caching import COURSES, GRAPH_FACTS, TEACHING
from school.tests.factories import (
    EnrollmentFactory,
    PersonFactory,
    SectionFactory,
    TeachingAssignmentFactory,
)

pytestmark = pytest.mark.django_db
COURSE_LIST_URL = reverse("school-api:courses")


def read(family: Family, ident: int, load: Callable[[], Any]) -> tuple[Any, bool]:
    """The family's value for `ident` and whether it came from the cache."""
    found = read_one(family, ident, load)
    return found.of(family)[ident], found.source(family) == "cache"


def courses_of(student: Person) -> Callable[[], list[str]]:
    return lambda: [
        row["title"]
        for row in selectors.enrollments_by_student(student_ids=[student.pk]).get(student.pk, [])
    ]


def teaching_of(teacher: Person) -> Callable[[], list[int]]:
    return lambda: [
        row["section_id"]
        for row in selectors.teaching_by_teacher(teacher_ids=[teacher.pk]).get(teacher.pk, [])
    ]


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the block's writes and their on-commit invalidations."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_an_enrolment_invalidates_that_students_courses_only(committed):
    section, student, other = SectionFactory(), PersonFactory(), PersonFactory()
    read(COURSES, student.pk, courses_of(student))
    read(COURSES, other.pk, courses_of(other))
    with committed():
        services.enrollment_create(actor=None, student=student, section=section)
    assert read(COURSES, student.pk, courses_of(student)) == ([section.course.title], False)
    assert read(COURSES, other.pk, courses_of(other)) == ([], True)


def test_teaching_invalidates_the_teachers_it_moves_between_only(committed):
    section = SectionFactory()
    first, second, bystander = (PersonFactory(kind=Person.Kind.TEACHER) for _ in range(3))
    for teacher in (first, second, bystander):
        read(TEACHING, teacher.pk, teaching_of(teacher))
    with committed():
        assignment = services.teaching_assignment_create(actor=None, teacher=first, section=section)
    assert read(TEACHING, first.pk, teaching_of(first)) == ([section.pk], False)
    with committed():
        services.teaching_assignment_update(actor=None, assignment=assignment, teacher=second)
    assert read(TEACHING, first.pk, teaching_of(first)) == ([], False)
    assert read(TEACHING, second.pk, teaching_of(second)) == ([section.pk], False)
    assert read(TEACHING, bystander.pk, teaching_of(bystander)) == ([], True)


def test_a_course_retitled_invalidates_every_course_family(committed, api_client):
    enrollment = EnrollmentFactory()
    student = enrollment.student
    read(COURSES, student.pk, courses_of(student))
    api_client.get(COURSE_LIST_URL)
    with committed():
        services.preferences_update(actor=None, person=student, changes={"theme": "dark"})
    assert read(COURSES, student.pk, courses_of(student))[1] is True
    assert api_client.get(COURSE_LIST_URL)["X-Cache"] == "hit"
    with committed():
        services.course_update(actor=None, course=enrollment.section.course, title="Renamed")
    assert read(COURSES, student.pk, courses_of(student)) == (["Renamed"], False)
    response = api_client.get(COURSE_LIST_URL)
    assert response["X-Cache"] == "miss" and response.json()["results"][0]["title"] == "Renamed"


def test_the_course_list_goes_when_a_teachers_name_changes_not_for_other_changes(
    committed, api_client
):
    teacher = TeachingAssignmentFactory().teacher
    student = PersonFactory()
    api_client.get(COURSE_LIST_URL)
    with committed():
        people_services.person_update(actor=None, person=teacher, email="new@example.org")
        people_services.person_update(actor=None, person=student, family_name="Other")
    assert api_client.get(COURSE_LIST_URL)["X-Cache"] == "hit"
    with committed():
        people_services.person_update(actor=None, person=teacher, family_name="Renamed")
    response = api_client.get(COURSE_LIST_URL)
    assert response["X-Cache"] == "miss"
    teachers = response.json()["results"][0]["sections"][0]["teachers"]
    assert [row["name"] for row in teachers] == [f"{teacher.given_name} Renamed"]


def test_a_reporting_line_invalidates_the_manager_chains_of_the_people_it_links(committed):
    chain = GRAPH_FACTS["manager_chain"]
    person, manager, stranger = PersonFactory(), PersonFactory(), PersonFactory()

    def manager_of(someone: Person) -> Callable[[], int | None]:
        def load() -> int | None:
            managers = people_selectors.current_managers(person_ids=[someone.pk], at=timezone.now())
            return managers[someone.pk].pk if someone.pk in managers else None

        return load

    for someone in (person, stranger):
        read(chain, someone.pk, manager_of(someone))
    with committed():
        people_services.reporting_line_create(actor=None, person=person, manager=manager)
    assert read(chain, person.pk, manager_of(person)) == (manager.pk, False)
    assert read(chain, stranger.pk, manager_of(stranger)) == (None, True)


def test_a_role_assignment_invalidates_the_holders_roles_only(committed):
    roles = GRAPH_FACTS["roles"]
    holder, stranger = PersonFactory(), PersonFactory()

    def count(someone: Person) -> Callable[[], int]:
        return lambda: someone.role_assignments.count()

    for someone in (holder, stranger):
        read(roles, someone.pk, count(someone))
    with committed():
        delegation_services.assignment_create(actor=None, person=holder, role=RoleFactory())
    assert read(roles, holder.pk, count(holder)) == (1, False)
    assert read(roles, stranger.pk, count(stranger)) == (0, True)
