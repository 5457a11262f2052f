"""Authorization for the rest of the site, answered by the delegation engine."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils import timezone

from common.actors import user_of
from delegation.graph import get_graph
from people.models import Person


def user_can(
    user: AbstractBaseUser | AnonymousUser, codename: str, at: datetime | None = None
) -> bool:
    """Whether `user` holds permission `codename` (e.g. `library.circulate`) at `at` (now).

    Staff hold every permission; anyone else must hold it, through their Person, in the
    delegation graph (`check`: an assignment or a valid delegation chain at that time).
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
    return get_graph().check(person_id, codename, at or timezone.now(), explain=False).allowed
