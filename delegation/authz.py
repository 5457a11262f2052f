"""Authorization for the rest of the site, answered by the delegation engine."""

from __future__ import annotations

import logging
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils import timezone

from common.actors import user_of
from delegation.graph import get_graph
from delegation.graph.sql import SqlGraphBackend
from people.models import Person

logger = logging.getLogger(__name__)


def user_can(
    user: AbstractBaseUser | AnonymousUser, codename: str, at: datetime | None = None
) -> bool:
    """Whether `user` holds permission `codename` (e.g. `library.circulate`) at `at` (now).

    Staff hold every permission; anyone else must hold it, through their Person, in the
    delegation graph (`check`: an assignment or a valid delegation chain at that time). With
    the graph store down, the SQL backend decides from the system of record (logged): a
    permission-gated page never fails because the projection is unreachable.
    """
    account = user_of(user)  # None unless authenticated
    if account is None:
        return False
    if account.is_staff:
        return True
    person_id = (
        Person.objects.filter(user=account, active=True).values_list("pk", flat=True).first()
    )
    if person_id is None:
        return False
    return _decide(person_id, codename, at or timezone.now())


def _decide(person_id: int, codename: str, at: datetime) -> bool:
    graph = get_graph()
    if graph.name == SqlGraphBackend.name:
        return graph.check(person_id, codename, at, explain=False).allowed
    try:
        return graph.check(person_id, codename, at, explain=False).allowed
    except Exception:  # any driver failure: the system of record can answer instead
        logger.warning("graph %s unavailable; user_can decided from SQL", graph.name, exc_info=True)
        return SqlGraphBackend().check(person_id, codename, at, explain=False).allowed
