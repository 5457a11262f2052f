"""The directory's demo data: deterministic, idempotent, within the rules."""

from __future__ import annotations

import pytest
from django.db.models import Count, F, Q

from people import seed as org_seed
from people.models import Person
from school import seed_courses
from school.models import Enrollment, PersonPreferences, Section

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return (
        Section.objects.count(),
        Enrollment.objects.count(),
        PersonPreferences.objects.count(),
    )


def test_seed_is_idempotent_and_respects_capacity() -> None:
    org_seed.seed(size="small", log=lambda line: None)
    seed_courses.seed(size="small", log=lambda line: None)
    first = counts()
    seed_courses.seed(size="small", log=lambda line: None)

    assert counts() == first and first[1] > 0
    over = Section.objects.annotate(
        n=Count("enrollments", filter=Q(enrollments__status__in=Enrollment.ACTIVE))
    ).filter(n__gt=F("capacity"))
    assert not over.exists()


def test_students_added_when_none_exist_have_realistic_unique_names() -> None:
    seed_courses._ensure_students()
    names = [f"{p.given_name} {p.family_name}" for p in Person.objects.all()]
    assert len(names) == seed_courses.STUDENTS_WHEN_NONE
    assert not [name for name in names if any(c.isdigit() for c in name)]
    assert len(set(names)) == len(names)
