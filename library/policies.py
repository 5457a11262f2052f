"""Who may circulate for whom: object-level decisions, asked by services and selectors.

Circulation staff (staff, or anyone the delegation graph grants `library.circulate` at that
moment) lend, return, renew and hold for any member; every other account renews its own loans
and places and cancels its own holds. System writes (actor None: seeds, management commands)
are trusted.
"""

from __future__ import annotations

from common.actors import Actor
from common.exceptions import ForbiddenError
from delegation.authz import user_can
from library.models import Member

CIRCULATE = "library.circulate"


def may_circulate(*, actor: Actor) -> bool:
    """Whether `actor` may lend, return, renew and hold on behalf of any member."""
    return actor is None or user_can(actor, CIRCULATE)


def may_act_for(*, actor: Actor, member: Member) -> bool:
    """Whether `actor` may renew and hold for `member`: their own membership, or circulation."""
    own = actor is not None and member.user_id is not None and member.user_id == actor.pk
    return own or may_circulate(actor=actor)


def check_may_circulate(*, actor: Actor) -> None:
    if not may_circulate(actor=actor):
        raise ForbiddenError("You may not circulate library items.")


def check_may_act_for(*, actor: Actor, member: Member) -> None:
    if not may_act_for(actor=actor, member=member):
        raise ForbiddenError("You may renew and hold only for yourself.", field="member")
