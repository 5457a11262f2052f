"""Rows read as a person reads them: every `__str__` (admin titles, change lists, audit entries)
names people, units, roles, sections and books, never a bare id where a name exists."""

from __future__ import annotations

import pytest

from delegation.tests.scenario import build_school, lend
from school.tests.factories import (
    EnrollmentFactory,
    PersonPreferencesFactory,
    TeachingAssignmentFactory,
)

pytestmark = pytest.mark.django_db


def test_school_rows_name_the_person_and_the_section():
    enrollment = EnrollmentFactory()
    section = enrollment.section
    assert str(enrollment) == f"{enrollment.student.name} in {section} (enrolled)"
    assert str(section).startswith(section.course.code)
    teaching = TeachingAssignmentFactory()
    assert str(teaching) == f"{teaching.teacher.name} teaches {teaching.section}"
    preferences = PersonPreferencesFactory()
    assert str(preferences) == f"preferences of {preferences.person.name}"


def test_delegation_rows_name_people_roles_and_permissions():
    school = build_school()
    delegation = lend(school.alice, school.bob, permission=school.circulate)
    assert str(delegation) == (
        f"{school.alice.name} → {school.bob.name}: library.circulate (#{delegation.pk})"
    )
    assignment = school.alice.role_assignments.get()
    assert str(assignment) == f"{school.alice.name} has head-librarian"
    grant = school.librarian.grants.get(permission=school.circulate)
    assert str(grant) == "librarian grants library.circulate"
    link = school.head_librarian.parent_links.get()
    assert str(link) == "head-librarian inherits librarian"
