"""Who may do what in the school: object-level decisions, asked by services (never by views).

Enrolment: staff enrol and drop anyone; every other account enrols and drops only the person
linked to it. System writes (actor None: seeds, management commands) are trusted.
"""

from __future__ import annotations

from common.actors import Actor, user_of
from common.exceptions import ForbiddenError, ServiceError
from people import selectors as people_selectors
from people.models import Person


def own_person(*, actor: Actor) -> Person:
    """The person linked to the caller's account; refused when there is none."""
    own = people_selectors.person_id_of_user(user=actor)
    if own is None:
        raise ServiceError("Your account has no person to enrol.", field="student")
    return people_selectors.person_get(person_id=own)


def may_enroll(*, actor: Actor, student: Person) -> bool:
    if actor is None:
        return True
    user = user_of(actor)  # None for an anonymous actor
    if user is None:
        return False
    return user.is_staff or (student.user_id is not None and student.user_id == user.pk)


def check_may_enroll(*, actor: Actor, student: Person) -> None:
    if not may_enroll(actor=actor, student=student):
        raise ForbiddenError("Only staff may enrol or drop someone else.", field="student")
