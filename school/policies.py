"""Who may do what in the school: object-level decisions, asked by services and selectors
(never by views). The table of who sees what is the access policy in the root README.md.

Enrolment: whoever may act for the student (`people.policies.may_act_for`): staff enrol and
drop anyone; every other account enrols and drops only the person linked to it; system writes
(actor None: seeds, management commands) are trusted.
Directory: `directory_access` says, once per request, which rows' private parts and which
grades the caller sees; the planner (`school.directory`) and the filters apply it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from common.actors import Actor, user_of
from common.exceptions import ForbiddenError, ServiceError
from delegation import authz
from delegation.authz import NOWHERE
from delegation.graph.base import Scope
from people import policies as people_policies
from people import selectors as people_selectors
from people.models import Person
from school import selectors


def own_person(*, actor: Actor) -> Person:
    """The person linked to the caller's account; refused when there is none."""
    own = people_selectors.person_id_of_user(user=actor)
    if own is None:
        raise ServiceError("Your account has no person to enrol.", field="student")
    return people_selectors.person_get(person_id=own)


def may_enroll(*, actor: Actor, student: Person) -> bool:
    return people_policies.may_act_for(actor=actor, person=student)


def enrollments_visible_to(*, actor: Actor) -> Q:
    """Which enrolments the caller may name by id (drop, read): staff and system writes all of
    them, everyone else their own person's. Others' answer as missing ones do (404), so ids
    cannot be probed."""
    return people_policies.acted_for(actor=actor, path="student__")


def check_may_enroll(*, actor: Actor, student: Person) -> None:
    if not may_enroll(actor=actor, student=student):
        raise ForbiddenError("Only staff may enrol or drop someone else.", field="student")


def check_may_grade(*, actor: Actor) -> None:
    """Grades and completions are staff's (or a system write's), never the student's own."""
    user = user_of(actor)
    if actor is not None and not (user is not None and user.is_staff):
        raise ForbiddenError("Only staff may grade or change an enrolment.", field="status")


def check_may_plan(*, actor: Actor) -> None:
    """Terms, courses, sections and who teaches them are staff's (or a system write's)."""
    user = user_of(actor)
    if actor is not None and not (user is not None and user.is_staff):
        raise ForbiddenError("Only staff may change terms, courses, sections or teaching.")


# --- the directory ------------------------------------------------------------------------------
# What any signed-in member sees of anyone besides the profile (`people.policies.PUBLIC_FIELDS`).
PUBLIC_PARTS = frozenset({"unit", "teaching"})
# Everything else is private (`people.policies.may_see_private`): seen by the person, by staff,
# and by holders of `school.view_directory` whose scope covers the person's unit. Grades are
# narrower still; preferences are never shown.
VIEW_DIRECTORY = "school.view_directory"


@dataclass(frozen=True)
class DirectoryAccess:
    """What one caller may see in the directory, decided once per request."""

    staff: bool = False
    own_person: int | None = None
    scope: Scope = NOWHERE
    taught_sections: frozenset[int] = frozenset()

    def sees_private(self, person_id: int, unit_id: int | None) -> bool:
        return people_policies.may_see_private(viewer=self, person_id=person_id, unit_id=unit_id)

    def sees_grade(self, student_id: int, section_id: int) -> bool:
        """A student sees their own grades, a teacher those of their sections, staff all."""
        return self.staff or student_id == self.own_person or section_id in self.taught_sections

    def sees_course(self, student_id: int, unit_id: int | None, section_id: int) -> bool:
        return self.sees_private(student_id, unit_id) or section_id in self.taught_sections

    def private_rows(self) -> Q:
        """People whose private fields the caller sees (so a filter on them may match)."""
        return people_policies.private_rows(viewer=self)

    def preference_rows(self) -> Q:
        """People whose preferences a filter may match: staff's everyone, else one's own."""
        return Q() if self.staff else Q(pk=self.own_person)


def check_sees_private(*, access: DirectoryAccess, person: Person, part: str) -> None:
    """Refuse a read of `person`'s private `part` (their reports, ...) the caller may not see."""
    if not access.sees_private(person.pk, person.org_unit_id):
        raise ForbiddenError(f"You may not see this person's {part}.", field=part)


# What staff and system reads (benchmarks, management commands) see.
EVERYTHING = DirectoryAccess(staff=True)


def directory_access(*, actor: Actor) -> DirectoryAccess:
    """The caller's view of the directory: staff see everything; others what the delegation
    engine grants them (`school.view_directory`, within its unit scope) plus their own entry
    and the grades of the sections they teach."""
    user = user_of(actor)
    if actor is None or (user is not None and user.is_staff):
        return EVERYTHING
    own = authz.person_id_of(actor)
    if own is None:
        return DirectoryAccess()
    return DirectoryAccess(
        own_person=own,
        scope=authz.user_scope(actor, VIEW_DIRECTORY),
        taught_sections=selectors.sections_taught_by(teacher_id=own),
    )
