"""Who may ask the delegation graph what: object-level decisions, asked by selectors.

A question about oneself (one's own checks, permissions, chains and place in the org chart) is
always allowed to a signed-in member; a question about anyone else, or about everyone (who
can?), needs `delegation.view` (staff hold every permission). The unit tree names units, not
people, and is open to every signed-in member.
"""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import Q

from common.actors import Actor
from common.exceptions import ForbiddenError
from delegation import authz

VIEW = "delegation.view"


def may_ask_about(*, actor: Actor, people: Collection[int] | None) -> bool:
    """`people`: the person ids a question is about; None for a question about everyone."""
    if actor is None:
        return True
    if not actor.is_authenticated:
        return False
    if people is not None and set(people) <= {authz.person_id_of(actor)}:
        return True
    return authz.user_can(actor, VIEW)


def check_may_ask_about(*, actor: Actor, people: Collection[int] | None) -> None:
    if not may_ask_about(actor=actor, people=people):
        raise ForbiddenError(f"Questions about other people need the {VIEW} permission.")


def askable_people(*, actor: Actor) -> Q:
    """The people `actor` may ask about, as a filter on Person: everyone with `delegation.view`
    (and system reads), else only the caller's own person (nobody without one)."""
    if actor is None or (actor.is_authenticated and authz.user_can(actor, VIEW)):
        return Q()
    own = authz.person_id_of(actor) if actor.is_authenticated else None
    return Q(pk=own) if own is not None else Q(pk__in=[])
