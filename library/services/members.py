"""Staff writes of memberships and their circulation rules, audited like the catalogue.

Changing a category's rules never breaks a loan or hold already made: limits are read when a
member next borrows or holds. A member or category still referred to by loans, holds, fines or
members cannot be deleted (suspend the membership instead: `active`).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from common.actors import Actor
from common.records import created, deleted, updated
from library.models import Member, MemberCategory


@transaction.atomic
def member_category_create(*, actor: Actor, **fields: Any) -> MemberCategory:
    return created(actor, MemberCategory(**fields))


@transaction.atomic
def member_category_update(
    *, actor: Actor, category: MemberCategory, **fields: Any
) -> MemberCategory:
    return updated(actor, category, fields)


@transaction.atomic
def member_category_delete(*, actor: Actor, category: MemberCategory) -> None:
    deleted(actor, category)


@transaction.atomic
def member_create(*, actor: Actor, **fields: Any) -> Member:
    return created(actor, Member(**fields))


@transaction.atomic
def member_update(*, actor: Actor, member: Member, **fields: Any) -> Member:
    return updated(actor, member, fields)


@transaction.atomic
def member_delete(*, actor: Actor, member: Member) -> None:
    deleted(actor, member)
