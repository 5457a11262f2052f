"""Admin changelists of the directory at a constant query count."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db.models import Model
from django.test import Client

from devtools.testing import ModelFactory, assert_constant_admin_changelist
from school.models import Course, Enrollment, PersonPreferences, Section, TeachingAssignment, Term
from school.tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    PersonPreferencesFactory,
    SectionFactory,
    TeachingAssignmentFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db

FACTORIES: dict[type[Model], type[ModelFactory[Any]]] = {
    Term: TermFactory,
    Course: CourseFactory,
    Section: SectionFactory,
    TeachingAssignment: TeachingAssignmentFactory,
    Enrollment: EnrollmentFactory,
    PersonPreferences: PersonPreferencesFactory,
}


@pytest.fixture
def admin_client() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw"))
    return client


@pytest.mark.parametrize("model", list(FACTORIES), ids=lambda model: model.__name__)
def test_changelist_queries_are_constant(admin_client: Client, model: type[Model]) -> None:
    FACTORIES[model].create_batch(10)
    assert_constant_admin_changelist(admin_client, model)


def test_section_changelist_shows_seats_taken(admin_client: Client) -> None:
    section = SectionFactory()
    EnrollmentFactory.create_batch(2, section=section)
    EnrollmentFactory(section=section, status=Enrollment.Status.DROPPED)
    response = admin_client.get("/admin/school/section/")
    assert response.context["cl"].result_list[0].seats_taken == 2


def test_staff_grade_and_drop_but_do_not_re_enrol_in_the_admin(admin_client: Client) -> None:
    enrollment = EnrollmentFactory()
    url = f"/admin/school/enrollment/{enrollment.pk}/change/"

    graded = admin_client.post(url, {"status": "completed", "grade": "A"})
    enrollment.refresh_from_db()
    assert graded.status_code == 302 and (enrollment.status, enrollment.grade) == ("completed", "A")

    admin_client.post(url, {"status": "dropped", "grade": ""})
    refused = admin_client.post(url, {"status": "enrolled", "grade": ""})
    enrollment.refresh_from_db()
    assert refused.status_code == 200 and enrollment.status == "dropped"
    assert "Re-enrol with Add enrollment" in refused.content.decode()


def test_a_grade_needs_a_completed_enrolment(admin_client: Client) -> None:
    enrollment = EnrollmentFactory()
    url = f"/admin/school/enrollment/{enrollment.pk}/change/"
    response = admin_client.post(url, {"status": "enrolled", "grade": "B"})
    enrollment.refresh_from_db()
    assert response.status_code == 200 and enrollment.grade == ""
