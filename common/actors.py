"""Who performs a write: every service takes `actor` and records it."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

# None for system writes (seeds, management commands without --actor, migrations).
Actor = AbstractBaseUser | AnonymousUser | None


def user_of(actor: Actor) -> AbstractBaseUser | None:
    """The user to store as the actor of a row: None for system and anonymous writes."""
    if actor is None or not actor.is_authenticated:
        return None
    assert isinstance(actor, AbstractBaseUser)
    return actor
