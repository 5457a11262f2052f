"""Writes of the school: the org chart (units, people, reporting lines), enrolment, preferences.

Org chart: each write records its graph change in the outbox in the same transaction and, after
commit, announces whose org-chart facts changed (`common.events.org_changed`). Rules: a unit is
never below itself, a reporting line never closes a cycle, and a person has one manager at a time.

Enrolment and preferences: each function runs in one transaction and validates with
`full_clean`; the directory cache is invalidated after commit by `school.caching` (it listens to
these models' saves, so admin edits invalidate too).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from common.exceptions import ConflictError, ServiceError
from delegation.changes import ORG_CHART, announce
from delegation.graph import outbox
from delegation.graph.base import PERSON_FACTS
from delegation.graph.sql import SqlGraphBackend
from school import selectors
from school.models import Enrollment, OrgUnit, Person, PersonPreferences, ReportingLine, Section

# Write-time rules and fan-out read the system of record, never a projection that may lag.
sql_graph = SqlGraphBackend()
PERSON_FIELDS = frozenset(
    {"given_name", "family_name", "email", "kind", "title", "org_unit", "user", "active"}
)


# --- units ------------------------------------------------------------------------------------
def org_unit_validate_parent(unit: OrgUnit, parent: OrgUnit | None) -> None:
    """Refuse a parent that is the unit itself or inside it."""
    if parent is None or unit.pk is None:
        return
    below = {row["id"] for row in sql_graph.unit_tree(unit.pk).items}
    if parent.pk in below:
        raise ServiceError(
            f"{parent} is {unit} or inside it; a unit cannot sit below itself.",
            field="parent",
            code="cycle",
        )


def _announce_unit(unit: OrgUnit) -> None:
    announce(Person.objects.filter(org_unit=unit).values_list("pk", flat=True), PERSON_FACTS)


@transaction.atomic
def org_unit_create(*, code: str, name: str, parent: OrgUnit | None = None) -> OrgUnit:
    unit = OrgUnit(code=code, name=name, parent=parent)
    unit.full_clean()
    unit.save()
    outbox.upserted(unit)
    return unit


@transaction.atomic
def org_unit_update(*, unit: OrgUnit, name: str, parent: OrgUnit | None) -> OrgUnit:
    unit = selectors.org_unit_for_update(unit_id=unit.pk)
    org_unit_validate_parent(unit, parent)
    unit.name, unit.parent = name, parent
    unit.full_clean()
    unit.save()
    outbox.upserted(unit)
    _announce_unit(unit)
    return unit


# --- people -----------------------------------------------------------------------------------
def _org_neighbours(person_id: int) -> set[int]:
    """The person, their managers and their reports: everyone whose org-chart facts name them."""
    now = timezone.now()
    chain = sql_graph.manager_chain(person_id, now).items
    reports = sql_graph.reports(person_id, now).items
    return {person_id, *(row["id"] for row in chain), *(row["id"] for row in reports)}


@transaction.atomic
def person_create(
    *,
    given_name: str,
    family_name: str,
    email: str,
    kind: str = Person.Kind.STUDENT,
    title: str = "",
    org_unit: OrgUnit | None = None,
    user: AbstractBaseUser | None = None,
    active: bool = True,
) -> Person:
    person = Person(
        given_name=given_name,
        family_name=family_name,
        email=email,
        kind=kind,
        title=title,
        org_unit=org_unit,
        user=user,
        active=active,
    )
    person.full_clean()
    person.save()
    outbox.upserted(person)
    return person


@transaction.atomic
def person_update(*, person: Person, **changes: Any) -> Person:
    unknown = changes.keys() - PERSON_FIELDS
    if unknown:
        raise ServiceError(f"Cannot change {', '.join(sorted(unknown))}.", field=min(unknown))
    person = selectors.person_for_update(person_id=person.pk)
    for name, value in changes.items():
        setattr(person, name, value)
    person.full_clean()
    person.save()
    outbox.upserted(person)
    announce(_org_neighbours(person.pk), PERSON_FACTS)
    return person


# --- reporting lines --------------------------------------------------------------------------
def reporting_line_validate(
    *, person: Person, manager: Person, start: datetime, end: datetime | None
) -> None:
    """Refuse a line to oneself, or one that would close a cycle at some time in its window."""
    if end is not None and end <= start:
        raise ServiceError("The end must come after the start.", field="valid_to", code="window")
    if person.pk == manager.pk:
        raise ServiceError("Nobody reports to themselves.", field="manager", code="self")
    if sql_graph.manages_during(manager.pk, person.pk, start, end):
        raise ServiceError(
            f"{person} manages {manager} (directly or not) during that time; "
            "this line would close a reporting cycle.",
            field="manager",
            code="cycle",
        )


def _close_open_line(person: Person, start: datetime) -> ReportingLine | None:
    """End the person's open-ended line where the new one starts; it becomes history."""
    current = selectors.open_reporting_line_for_update(person=person)
    if current is None:
        return None
    if current.valid_from >= start:
        raise ConflictError(
            f"{person} already reports to {current.manager} from "
            f"{current.valid_from:%Y-%m-%d %H:%M}; end that line first.",
            field="valid_from",
        )
    current.valid_to = start
    current.save(update_fields=["valid_to"])
    outbox.upserted(current)
    return current


def _refuse_overlap(person: Person, start: datetime, end: datetime | None) -> None:
    overlapping = ReportingLine.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=start), person=person
    )
    if end is not None:
        overlapping = overlapping.filter(valid_from__lt=end)
    if overlapping.exists():
        raise ConflictError(
            f"{person} already has a manager during part of that time.", field="valid_from"
        )


@transaction.atomic
def reporting_line_create(
    *,
    person: Person,
    manager: Person,
    valid_from: datetime | None = None,
    valid_to: datetime | None = None,
) -> ReportingLine:
    """`person` reports to `manager` from `valid_from` (now); an open line ends there."""
    start = valid_from or timezone.now()
    reporting_line_validate(person=person, manager=manager, start=start, end=valid_to)
    before = _org_neighbours(person.pk)
    previous = _close_open_line(person, start) if valid_to is None else None
    _refuse_overlap(person, start, valid_to)
    line = ReportingLine(person=person, manager=manager, valid_from=start, valid_to=valid_to)
    line.full_clean()
    line.save()
    outbox.upserted(line)
    old_manager = {previous.manager_id} if previous else set()
    announce(before | _org_neighbours(person.pk) | old_manager, ORG_CHART)
    return line


@transaction.atomic
def reporting_line_end(*, line: ReportingLine, at: datetime | None = None) -> ReportingLine:
    line = selectors.reporting_line_for_update(line_id=line.pk)
    end = at or timezone.now()
    if end <= line.valid_from:
        raise ServiceError("The end must come after the start.", field="valid_to", code="window")
    affected = _org_neighbours(line.person_id)
    line.valid_to = end
    line.full_clean()
    line.save(update_fields=["valid_to"])
    outbox.upserted(line)
    announce(affected | {line.manager_id}, ORG_CHART)
    return line


# --- enrolment and preferences ----------------------------------------------------------------
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
def enrollment_create(*, student_id: int, section_id: int) -> Enrollment:
    """Enrol a student in a section: refused when full, already enrolled (in it or in another
    section of its course that term) or clashing with their timetable.

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
    _check_not_in_course(student, section)
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
