"""Who may write what in the blog: object-level decisions, asked by services (never by views).

Any signed-in user writes posts and comments under their own name; a post is changed or deleted
by its author or by staff. A post is published (created, or left `published` by an update) only
by holders of `blog.publish` (staff hold every permission). System writes (actor None: seeds,
management commands) may edit anything but cannot author: a post or comment always has a user
behind it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from blog.models import Post
from common.actors import Actor, user_of
from common.exceptions import ForbiddenError
from delegation import authz

PUBLISH = "blog.publish"

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


def check_may_moderate(*, actor: Actor) -> None:
    """Removing a comment or rewording a byline is staff's (or a system write's)."""
    user = user_of(actor)
    if actor is not None and not (user is not None and user.is_staff):
        raise ForbiddenError("Only staff may moderate comments and bylines.")


def check_may_publish(*, actor: Actor, status: str) -> None:
    """Refuse a post left `published` by someone who does not hold `blog.publish`."""
    if status != Post.Status.PUBLISHED or actor is None:
        return
    if not authz.user_can(actor, PUBLISH):
        raise ForbiddenError(
            "Publishing needs the blog.publish permission; save it as a draft.", field="status"
        )
