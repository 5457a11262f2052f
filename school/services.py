"""Writes of the school: the timetable (terms, courses, sections, teaching), enrolment and
preferences (the org chart's are in `people.services`).

Each function runs in one transaction, validates with `full_clean` and appends its audit entry,
and tells `school.caching` what it wrote, which invalidates the directory's caches after commit.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from common.actors import Actor
from common.audit import audit_record, snapshot
from common.exceptions import ConflictError, ServiceError
from common.models import AuditEntry
from common.records import created, deleted, updated
from common.validation import refuse_while_referenced
from people import selectors as people_selectors
from people.models import Person
from school import caching, policies, selectors
from school.models import Course, Enrollment, PersonPreferences, Section, TeachingAssignment, Term
from school.selectors import TimetableRow


# --- the timetable: terms, courses, sections, teaching (staff) -----------------------------------
def _planned(actor: Actor, row: TimetableRow) -> TimetableRow:
    policies.check_may_plan(actor=actor)
    caching.timetable_written(created(actor, row))
    return row


def _replanned(actor: Actor, row: TimetableRow, fields: dict[str, Any]) -> TimetableRow:
    policies.check_may_plan(actor=actor)
    locked = selectors.timetable_row_for_update(row)
    was = copy.copy(locked)
    caching.timetable_written(was, updated(actor, locked, fields))
    return locked


def _unplanned(actor: Actor, row: TimetableRow) -> None:
    """Refused while anything refers to the row (a term's or course's sections, a section's
    teaching or enrolments): they are audited history and would go unaudited."""
    policies.check_may_plan(actor=actor)
    row = selectors.timetable_row_for_update(row)
    refuse_while_referenced(row)
    deleted(actor, row)
    caching.timetable_written(row)


@transaction.atomic
def term_create(*, actor: Actor, **fields: Any) -> Term:
    return _planned(actor, Term(**fields))


@transaction.atomic
def term_update(*, actor: Actor, term: Term, **fields: Any) -> Term:
    return _replanned(actor, term, fields)


@transaction.atomic
def term_delete(*, actor: Actor, term: Term) -> None:
    _unplanned(actor, term)


@transaction.atomic
def course_create(*, actor: Actor, **fields: Any) -> Course:
    return _planned(actor, Course(**fields))


@transaction.atomic
def course_update(*, actor: Actor, course: Course, **fields: Any) -> Course:
    return _replanned(actor, course, fields)


@transaction.atomic
def course_delete(*, actor: Actor, course: Course) -> None:
    _unplanned(actor, course)


@transaction.atomic
def section_create(*, actor: Actor, **fields: Any) -> Section:
    return _planned(actor, Section(**fields))


@transaction.atomic
def section_update(*, actor: Actor, section: Section, **fields: Any) -> Section:
    """Locks the section, as enrolment does, so a capacity cut cannot race a student's seat."""
    policies.check_may_plan(actor=actor)
    section = selectors.section_for_update(section_id=section.pk)
    if "capacity" in fields:
        selectors.section_check_capacity(section=section, capacity=fields["capacity"])
    updated(actor, section, fields)
    caching.timetable_written(section)
    return section


@transaction.atomic
def section_delete(*, actor: Actor, section: Section) -> None:
    _unplanned(actor, section)


@transaction.atomic
def teaching_assignment_create(*, actor: Actor, **fields: Any) -> TeachingAssignment:
    return _planned(actor, TeachingAssignment(**fields))


@transaction.atomic
def teaching_assignment_update(
    *, actor: Actor, assignment: TeachingAssignment, **fields: Any
) -> TeachingAssignment:
    return _replanned(actor, assignment, fields)


@transaction.atomic
def teaching_assignment_delete(*, actor: Actor, assignment: TeachingAssignment) -> None:
    _unplanned(actor, assignment)


# --- enrolment and preferences ----------------------------------------------------------------
def _check_can_enroll(student: Person) -> None:
    if student.kind != Person.Kind.STUDENT:
        raise ServiceError(f"{student} is not a student.", field="student", code="not_a_student")
    if not student.active:
        raise ServiceError(f"{student} is not active.", field="student", code="inactive")


def _check_term_open(section: Section) -> None:
    if section.term.ends_on < timezone.localdate():
        raise ServiceError(
            f"Term {section.term.code} ended on {section.term.ends_on}.",
            field="section",
            code="term_ended",
        )


def _check_seat_free(section: Section) -> None:
    taken = selectors.seats_taken(section=section)
    if taken >= section.capacity:
        raise ConflictError(
            f"Section {section} is full ({taken} of {section.capacity} seats).",
            field="section",
            code="section_full",
        )


def _check_not_in_course(student: Person, section: Section) -> None:
    sibling = selectors.sibling_enrollment(student=student, section=section)
    if sibling is not None:
        raise ConflictError(
            f"{student} already takes {section.course.code} this term "
            f"(section {sibling.section_id}).",
            field="section",
            code="already_in_course",
            enrolled_in=sibling.section_id,
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
def enrollment_create(*, actor: Actor, student: Person, section: Section) -> Enrollment:
    """Enrol a student in a section: refused when its term has ended, when full, already
    enrolled (in it or in another section of its course that term) or clashing with their
    timetable.

    Locks the student (so their own concurrent enrolments cannot both pass the clash check),
    then the section (so concurrent students cannot both take its last seat).
    """
    policies.check_may_enroll(actor=actor, student=student)
    student = people_selectors.person_for_update(person_id=student.pk)
    section = selectors.section_for_update(section_id=section.pk)
    _check_can_enroll(student)
    _check_term_open(section)
    existing = selectors.enrollment_of(student=student, section=section)
    if existing is not None and existing.status in Enrollment.ACTIVE:
        raise ConflictError(
            f"{student} is already enrolled in {section}.", field="section", code="already_enrolled"
        )
    _check_not_in_course(student, section)
    _check_seat_free(section)
    _check_no_clash(student, section)
    enrollment = existing or Enrollment(student=student, section=section)
    before = snapshot(existing) if existing else None
    enrollment.status = Enrollment.Status.ENROLLED
    enrollment.grade = ""
    enrollment.enrolled_at = timezone.now()
    enrollment.full_clean()
    enrollment.save()
    action = AuditEntry.Action.UPDATE if existing else AuditEntry.Action.CREATE
    audit_record(actor=actor, action=action, instance=enrollment, before=before)
    caching.enrollment_written(student_id=student.pk)
    return enrollment


@transaction.atomic
def enrollment_drop(*, actor: Actor, enrollment: Enrollment) -> Enrollment:
    """Give the seat back; the row stays (status `dropped`) so re-enrolling reuses it.
    Refused once the term has ended, as enrolling is (staff change a past term's statuses
    with `enrollment_update`)."""
    enrollment = selectors.enrollment_for_update(enrollment_id=enrollment.pk)
    policies.check_may_enroll(actor=actor, student=enrollment.student)
    _check_term_open(enrollment.section)
    before = snapshot(enrollment)
    if enrollment.status != Enrollment.Status.ENROLLED:
        raise ConflictError(
            f"Enrollment {enrollment.pk} is {enrollment.status}, not enrolled.",
            code="not_enrolled",
        )
    enrollment.status = Enrollment.Status.DROPPED
    enrollment.full_clean()
    enrollment.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, instance=enrollment, before=before)
    caching.enrollment_written(student_id=enrollment.student_id)
    return enrollment


@transaction.atomic
def enrollment_update(
    *, actor: Actor, enrollment: Enrollment, status: str, grade: str
) -> Enrollment:
    """Set an enrolment's status and grade (staff only); re-enrolling is refused here."""
    enrollment = selectors.enrollment_for_update(enrollment_id=enrollment.pk)
    policies.check_may_grade(actor=actor)
    selectors.check_status_change(was=enrollment.status, status=status)
    before = snapshot(enrollment)
    enrollment.status, enrollment.grade = status, grade
    enrollment.full_clean()
    enrollment.save(update_fields=["status", "grade", "updated_at"])
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, instance=enrollment, before=before)
    caching.enrollment_written(student_id=enrollment.student_id)
    return enrollment


def _write_preferences(
    actor: Actor, person: Person, edit: Callable[[dict[str, Any]], dict[str, Any]]
) -> PersonPreferences:
    people_selectors.person_for_update(person_id=person.pk)
    preferences, created = PersonPreferences.objects.get_or_create(person_id=person.pk)
    before = None if created else snapshot(preferences)
    preferences.data = edit(preferences.data)
    preferences.full_clean()
    preferences.save()
    action = AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE
    audit_record(actor=actor, action=action, instance=preferences, before=before)
    return preferences


@transaction.atomic
def preferences_update(
    *, actor: Actor, person: Person, changes: dict[str, Any]
) -> PersonPreferences:
    """Merge `changes` into a person's preferences; a key set to None is removed."""

    def merge(data: dict[str, Any]) -> dict[str, Any]:
        merged = dict(data)
        for key, value in changes.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        return merged

    return _write_preferences(actor, person, merge)


@transaction.atomic
def preferences_replace(*, actor: Actor, person: Person, data: dict[str, Any]) -> PersonPreferences:
    """Replace a person's whole preferences document (the admin edits it as one JSON value)."""
    return _write_preferences(actor, person, lambda _: data)
