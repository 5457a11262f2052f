"""Who performs a write: every service takes `actor` and records it."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

if TYPE_CHECKING:
    from django.contrib.auth.models import User  # AUTH_USER_MODEL, as django-stubs resolves it

# None for system writes (seeds, management commands, migrations).
Actor = AbstractBaseUser | AnonymousUser | None


def user_of(actor: Actor) -> User | None:
    """The user to store as the actor of a row: None for system and anonymous writes."""
    if actor is None or not actor.is_authenticated:
        return None
    return cast("User", actor)
