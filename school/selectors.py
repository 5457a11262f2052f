"""Reads of the school directory, each with its loading strategy spelled out."""

from __future__ import annotations

from django.db.models import QuerySet

from common.exceptions import NotFoundError
from school.models import Enrollment, Person, Section


def person_for_update(*, person_id: int) -> Person:
    """The person, row-locked until the transaction ends."""
    person = Person.objects.select_for_update().filter(pk=person_id).first()
    if person is None:
        raise NotFoundError(f"No person with id {person_id}.", field="student")
    return person


def section_for_update(*, section_id: int) -> Section:
    """The section with its course and term, its row locked until the transaction ends."""
    section = (
        Section.objects.select_for_update(of=("self",))
        .select_related("course", "term")
        .filter(pk=section_id)
        .first()
    )
    if section is None:
        raise NotFoundError(f"No section with id {section_id}.", field="section")
    return section


def enrollment_for_update(*, enrollment_id: int) -> Enrollment:
    enrollment = Enrollment.objects.select_for_update().filter(pk=enrollment_id).first()
    if enrollment is None:
        raise NotFoundError(f"No enrollment with id {enrollment_id}.")
    return enrollment


def enrollment_of(*, student: Person, section: Section) -> Enrollment | None:
    return Enrollment.objects.filter(student=student, section=section).first()


def seats_taken(*, section: Section) -> int:
    return Enrollment.objects.filter(section=section, status__in=Enrollment.ACTIVE).count()


def clashing_enrollment(*, student: Person, section: Section) -> Enrollment | None:
    """An active enrolment of `student` meeting at an overlapping time in the same term."""
    overlapping: QuerySet[Enrollment] = Enrollment.objects.filter(
        student=student,
        status__in=Enrollment.ACTIVE,
        section__term_id=section.term_id,
        section__weekday=section.weekday,
        section__starts_at__lt=section.ends_at,
        section__ends_at__gt=section.starts_at,
    ).exclude(section=section)
    return overlapping.select_related("section__course", "section__term").first()
