"""Authorization for the rest of the site, answered by the delegation engine."""

from __future__ import annotations

import logging
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils import timezone

from common.actors import user_of
from delegation.graph import get_graph
from delegation.graph.base import Scope
from delegation.graph.sql import SqlGraphBackend
from people.models import Person

logger = logging.getLogger(__name__)

User = AbstractBaseUser | AnonymousUser
NOWHERE = Scope(everywhere=False)


def person_id_of(user: User) -> int | None:
    """The active person linked to `user`'s account, if any."""
    account = user_of(user)  # None unless authenticated
    if account is None:
        return None
    return Person.objects.filter(user=account, active=True).values_list("pk", flat=True).first()


def _is_staff(user: User) -> bool:
    account = user_of(user)
    return account is not None and account.is_staff


def user_can(
    user: User, codename: str, at: datetime | None = None, *, unit: int | None = None
) -> bool:
    """Whether `user` holds permission `codename` (e.g. `library.circulate`) at `at` (now),
    for org unit `unit` (None: the question is about no unit, so only unscoped grants count).

    Staff hold every permission; anyone else must hold it, through their Person, in the
    delegation graph (`check`: an assignment or a valid delegation chain at that time). With
    the graph store down, the SQL backend decides from the system of record (logged): a
    permission-gated page never fails because the projection is unreachable.
    """
    if _is_staff(user):
        return True
    person_id = person_id_of(user)
    if person_id is None:
        return False
    return _decide(person_id, codename, at or timezone.now(), unit)


def _decide(person_id: int, codename: str, at: datetime, unit: int | None) -> bool:
    graph = get_graph()
    if graph.name == SqlGraphBackend.name:
        return graph.check(person_id, codename, at, explain=False, unit=unit).allowed
    try:
        return graph.check(person_id, codename, at, explain=False, unit=unit).allowed
    except Exception:  # any driver failure: the system of record can answer instead
        logger.warning("graph %s unavailable; user_can decided from SQL", graph.name, exc_info=True)
        return SqlGraphBackend().check(person_id, codename, at, explain=False, unit=unit).allowed


def user_scope(user: User, codename: str, at: datetime | None = None) -> Scope:
    """Where `user` holds `codename`: everywhere (staff, unscoped grants), within the subtrees
    of their scoped grants, or nowhere. Answered by the SQL backend (the Neo4j one has no
    `scope` yet)."""
    if _is_staff(user):
        return Scope(everywhere=True)
    person_id = person_id_of(user)
    if person_id is None:
        return NOWHERE
    return SqlGraphBackend().scope(person_id, codename, at or timezone.now())
