"""Authorization for the rest of the site, answered by the delegation engine."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils import timezone

from common.actors import user_of
from delegation.graph import get_graph
from delegation.graph.base import Scope
from delegation.graph.sql import SqlGraphBackend
from people.models import Person

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
    delegation graph (`check`: an assignment or a valid delegation chain at that time). The
    graph decides only when it has applied every committed write; when it lags, or is down
    (logged), the SQL backend decides from the system of record: a permission-gated page never
    fails because the projection is unreachable, nor is it answered from a stale one.
    """
    if _is_staff(user):
        return True
    person_id = person_id_of(user)
    if person_id is None:
        return False
    return _decide(person_id, codename, at or timezone.now(), unit)


def _decide(person_id: int, codename: str, at: datetime, unit: int | None) -> bool:
    """Fully consistent, always: a graph behind the newest write never decides (SQL does),
    nor does one that fails to answer (`graph.consistency`)."""
    result = get_graph().consistent_check(
        person_id, codename, at, explain=False, unit=unit, report_position=False
    )
    return result.allowed


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
