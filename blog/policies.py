"""Who may write what in the blog: object-level decisions, asked by services (never by views).

Any signed-in user writes posts and comments under their own name; a post is changed or deleted
by its author or by staff. System writes (actor None: seeds, management commands) may edit
anything but cannot author: a post or comment always has a user behind it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from blog.models import Post
from common.actors import Actor, user_of
from common.exceptions import ForbiddenError

if TYPE_CHECKING:
    from django.contrib.auth.models import User  # AUTH_USER_MODEL, as django-stubs resolves it


def writer(*, actor: Actor) -> User:
    """The user a new post or comment is written by; refused for anonymous and system actors."""
    user = user_of(actor)
    if user is None:
        raise ForbiddenError("Sign in to write posts and comments.")
    return user


def may_edit(*, actor: Actor, post: Post) -> bool:
    if actor is None:
        return True
    user = user_of(actor)  # None unless authenticated
    return user is not None and (user.is_staff or post.author.user_id == user.pk)


def check_may_edit(*, actor: Actor, post: Post) -> None:
    if not may_edit(actor=actor, post=post):
        raise ForbiddenError("Only the post's author or staff may change it.")
