"""Who may ask the delegation graph what: object-level decisions, asked by selectors.

A question about oneself (one's own checks, permissions, chains and place in the org chart) is
always allowed to a signed-in member; a question about anyone else, or about everyone (who
can?), needs `delegation.view` (staff hold every permission). The unit tree names units, not
people, and is open to every signed-in member.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db.models import Q

from common.actors import Actor
from common.exceptions import ForbiddenError
from delegation import authz

VIEW = "delegation.view"
# Answers to VIEW kept inside a `remembering()` block (user id -> answer). The explorer asks
# the policy for each name typed and again for the question, and each ask was a graph `check`
# of its own beside the question's check in the toolbar's Graph panel. Not kept on the user
# object: an API token's user is shared across requests, and a revoked grant must count at once.
_remembered: ContextVar[dict[int, bool] | None] = ContextVar("delegation_view", default=None)


@contextmanager
def remembering() -> Iterator[None]:
    """Ask the graph whether a user may view others at most once inside the block (a request)."""
    token = _remembered.set({})
    try:
        yield
    finally:
        _remembered.reset(token)


def _may_view_others(actor: Any) -> bool:
    answers = _remembered.get()
    if answers is None:
        return authz.user_can(actor, VIEW)
    if actor.pk not in answers:
        answers[actor.pk] = authz.user_can(actor, VIEW)
    return answers[actor.pk]


def may_ask_about(*, actor: Actor, people: Collection[int] | None) -> bool:
    """`people`: the person ids a question is about; None for a question about everyone."""
    if actor is None:
        return True
    if not actor.is_authenticated:
        return False
    if people is not None and set(people) <= {authz.person_id_of(actor)}:
        return True
    return _may_view_others(actor)


def check_may_ask_about(*, actor: Actor, people: Collection[int] | None) -> None:
    if not may_ask_about(actor=actor, people=people):
        raise ForbiddenError(f"Questions about other people need the {VIEW} permission.")


def askable_people(*, actor: Actor) -> Q:
    """The people `actor` may ask about, as a filter on Person: everyone with `delegation.view`
    (and system reads), else only the caller's own person (nobody without one)."""
    if actor is None or (actor.is_authenticated and _may_view_others(actor)):
        return Q()
    own = authz.person_id_of(actor) if actor.is_authenticated else None
    return Q(pk=own) if own is not None else Q(pk__in=[])
