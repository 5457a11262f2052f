"""The course list (cached) and the enrolment endpoints."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from devtools.testing import DOWN_CACHE, assert_constant_queries_for_page_sizes
from school import selectors, services
from school.filters import CourseFilter
from school.models import Enrollment
from school.tests.factories import (
    CourseFactory,
    PersonFactory,
    SectionFactory,
    TeachingAssignmentFactory,
    TermFactory,
    make_school,
)

pytestmark = pytest.mark.django_db

COURSES = reverse("school-api:courses")
ENROLLMENTS = reverse("school-api:enrollments")
OPS_CACHE = reverse("api-ops-cache")


@pytest.fixture
def member_person(member_user: User):
    return PersonFactory(user=member_user)


def test_course_list_queries_are_constant(api_client: APIClient) -> None:
    for course in CourseFactory.create_batch(10):
        TeachingAssignmentFactory(section=SectionFactory(course=course))
    assert_constant_queries_for_page_sizes(api_client, COURSES)


def test_course_list_shows_sections_teachers_and_seats(api_client: APIClient) -> None:
    school = make_school(people=3)
    section = school["sections"][0]

    course = next(
        c for c in api_client.get(COURSES).json()["results"] if c["id"] == section.course_id
    )

    [shown] = course["sections"]
    assert shown["enrolled"] == 2 and shown["seats_left"] == section.capacity - 2
    assert shown["teachers"] == [
        {"id": school["teacher"].pk, "name": school["teacher"].name, "role": "lead"}
    ]


def test_course_list_filters_by_term_and_keeps_only_its_sections(api_client: APIClient) -> None:
    fall, spring = TermFactory(code="fall"), TermFactory(code="spring")
    course = CourseFactory()
    SectionFactory(course=course, term=fall)
    SectionFactory(course=course, term=spring)
    CourseFactory()  # no section this fall

    results = api_client.get(COURSES, {"term": "fall"}).json()["results"]

    assert [c["id"] for c in results] == [course.pk]
    assert [s["term"] for s in results[0]["sections"]] == ["fall"]


def test_course_filter_narrows_by_term_to_its_courses_and_sections() -> None:
    fall, spring = TermFactory(code="fall"), TermFactory(code="spring")
    course = CourseFactory()
    SectionFactory(course=course, term=fall)
    SectionFactory(course=course, term=spring)
    CourseFactory()  # no section this fall

    courses = CourseFilter({"term": "fall"}, queryset=selectors.course_list()).qs

    assert [c.pk for c in courses] == [course.pk]
    assert [s.term.code for s in courses[0].sections.all()] == ["fall"]


def test_course_list_is_cached_until_an_enrolment(
    api_client: APIClient, django_capture_on_commit_callbacks
) -> None:
    section = SectionFactory()
    assert api_client.get(COURSES)["X-Cache"] == "miss"
    assert api_client.get(COURSES)["X-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        services.enrollment_create(actor=None, student=PersonFactory(), section=section)

    response = api_client.get(COURSES)
    assert response["X-Cache"] == "miss"
    assert response.json()["results"][0]["sections"][0]["enrolled"] == 1


def test_a_member_enrols_themselves(member_client: APIClient, member_person) -> None:
    section = SectionFactory()
    response = member_client.post(ENROLLMENTS, {"section": section.pk})
    assert response.status_code == 201, response.json()
    assert response.json()["student"] == member_person.pk


def test_a_full_section_is_a_409_in_the_error_format(
    member_client: APIClient, member_person
) -> None:
    section = SectionFactory(capacity=1)
    Enrollment.objects.create(student=PersonFactory(), section=section)

    response = member_client.post(ENROLLMENTS, {"section": section.pk})

    assert response.status_code == 409
    error = response.json()["error"]
    assert (error["code"], list(error["fields"])) == ("section_full", ["section"])


def test_only_staff_enrol_someone_else(
    member_client: APIClient, staff_client: APIClient, member_person
) -> None:
    other, section = PersonFactory(), SectionFactory()
    refused = member_client.post(ENROLLMENTS, {"section": section.pk, "student": other.pk})
    allowed = staff_client.post(ENROLLMENTS, {"section": section.pk, "student": other.pk})
    assert (refused.status_code, allowed.status_code) == (403, 201)


def test_bad_input_is_a_400_or_404_never_a_500(member_client: APIClient, member_person) -> None:
    assert member_client.post(ENROLLMENTS, {"section": "x"}).status_code == 400
    assert member_client.post(ENROLLMENTS, {"section": 0}).status_code == 404


def test_an_account_without_a_person_cannot_enrol(member_client: APIClient) -> None:
    response = member_client.post(ENROLLMENTS, {"section": SectionFactory().pk})
    assert response.status_code == 400
    assert "student" in response.json()["error"]["fields"]


def test_drop_gives_the_seat_back(member_client: APIClient, member_person) -> None:
    section = SectionFactory()
    enrolled = member_client.post(ENROLLMENTS, {"section": section.pk}).json()
    url = reverse("school-api:enrollment-drop", args=[enrolled["id"]])

    assert member_client.post(url).json()["status"] == "dropped"
    assert member_client.post(url).status_code == 409


def test_cache_counters_are_for_staff(
    staff_client: APIClient, member_client: APIClient, api_client: APIClient
) -> None:
    SectionFactory()
    api_client.get(COURSES)
    api_client.get(COURSES)

    assert member_client.get(OPS_CACHE).status_code == 403
    body = staff_client.get(OPS_CACHE).json()
    family = body["families"]["directory.course_list"]
    assert family["hit"] >= 1 and family["miss"] >= 1
    assert family["ttl"] > 0 and body["backend"] == "redis"


@override_settings(CACHES=DOWN_CACHE)
def test_course_list_answers_with_redis_down(api_client: APIClient) -> None:
    SectionFactory()
    response = api_client.get(COURSES)
    assert response.status_code == 200
    assert response["X-Cache"] == "miss" and response.json()["count"] == 1
