"""Authorization for the rest of the site, answered by the delegation engine."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils import timezone

from delegation.graph import get_graph
from delegation.graph.base import Scope
from people.models import Person

User = AbstractBaseUser | AnonymousUser
NOWHERE = Scope(everywhere=False)


def person_id_of(user: User) -> int | None:
    """The active person linked to `user`'s account, if any."""
    if not user.is_authenticated:
        return None
    return Person.objects.filter(user=user, active=True).values_list("pk", flat=True).first()


def user_can(
    user: User, codename: str, at: datetime | None = None, *, unit: int | None = None
) -> bool:
    """Whether `user` holds permission `codename` (e.g. `library.circulate`) at `at` (now),
    for org unit `unit` (None: the question is about no unit, so only unscoped grants count).

    Staff hold every permission; anyone else must hold it, through their Person, in the
    delegation graph (`check`: an assignment or a valid delegation chain at that time).
    """
    if user.is_authenticated and user.is_staff:
        return True
    person_id = person_id_of(user)
    if person_id is None:
        return False
    moment = at or timezone.now()
    return get_graph().check(person_id, codename, moment, explain=False, unit=unit).allowed


def user_scope(user: User, codename: str, at: datetime | None = None) -> Scope:
    """Where `user` holds `codename`: everywhere (staff, unscoped grants), within the subtrees
    of their scoped grants, or nowhere."""
    if user.is_authenticated and user.is_staff:
        return Scope(everywhere=True)
    person_id = person_id_of(user)
    if person_id is None:
        return NOWHERE
    return get_graph().scope(person_id, codename, at or timezone.now())
