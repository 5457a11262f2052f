"""Writes of the school directory: enrolment and preferences.

Each function runs in one transaction and validates with `full_clean`; the directory cache is
invalidated after commit by `school.caching` (it listens to these models' saves, so admin edits
invalidate too).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from common.exceptions import ConflictError, ServiceError
from school import selectors
from school.models import Enrollment, Person, PersonPreferences, Section


def _check_can_enroll(student: Person) -> None:
    if student.kind != Person.Kind.STUDENT:
        raise ServiceError(f"{student} is not a student.", field="student", code="not_a_student")
    if not student.active:
        raise ServiceError(f"{student} is not active.", field="student", code="inactive")


def _check_seat_free(section: Section) -> None:
    taken = selectors.seats_taken(section=section)
    if taken >= section.capacity:
        raise ConflictError(
            f"Section {section} is full ({taken} of {section.capacity} seats).",
            field="section",
            code="section_full",
        )


def _check_no_clash(student: Person, section: Section) -> None:
    clash = selectors.clashing_enrollment(student=student, section=section)
    if clash is not None:
        raise ConflictError(
            f"{student} already has {clash.section} at that time.",
            field="section",
            code="schedule_clash",
            clashes_with=clash.section_id,
        )


@transaction.atomic
def enrollment_create(*, student_id: int, section_id: int) -> Enrollment:
    """Enrol a student in a section: refused when full, already enrolled or clashing.

    Locks the student (so their own concurrent enrolments cannot both pass the clash check),
    then the section (so concurrent students cannot both take its last seat).
    """
    student = selectors.person_for_update(person_id=student_id)
    section = selectors.section_for_update(section_id=section_id)
    _check_can_enroll(student)
    existing = selectors.enrollment_of(student=student, section=section)
    if existing is not None and existing.status in Enrollment.ACTIVE:
        raise ConflictError(
            f"{student} is already enrolled in {section}.", field="section", code="already_enrolled"
        )
    _check_seat_free(section)
    _check_no_clash(student, section)
    enrollment = existing or Enrollment(student=student, section=section)
    enrollment.status = Enrollment.Status.ENROLLED
    enrollment.grade = ""
    enrollment.enrolled_at = timezone.now()
    enrollment.full_clean()
    enrollment.save()
    return enrollment


@transaction.atomic
def enrollment_drop(*, enrollment_id: int) -> Enrollment:
    """Give the seat back; the row stays (status `dropped`) so re-enrolling reuses it."""
    enrollment = selectors.enrollment_for_update(enrollment_id=enrollment_id)
    if enrollment.status != Enrollment.Status.ENROLLED:
        raise ConflictError(
            f"Enrollment {enrollment.pk} is {enrollment.status}, not enrolled.",
            code="not_enrolled",
        )
    enrollment.status = Enrollment.Status.DROPPED
    enrollment.full_clean()
    enrollment.save(update_fields=["status", "updated_at"])
    return enrollment


@transaction.atomic
def preferences_update(*, person_id: int, changes: dict[str, Any]) -> PersonPreferences:
    """Merge `changes` into a person's preferences; a key set to None is removed."""
    selectors.person_for_update(person_id=person_id)
    preferences, _ = PersonPreferences.objects.get_or_create(person_id=person_id)
    for key, value in changes.items():
        if value is None:
            preferences.data.pop(key, None)
        else:
            preferences.data[key] = value
    preferences.full_clean()
    preferences.save()
    return preferences
