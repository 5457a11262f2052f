"""The small school most delegation tests ask about, and a shorthand for lending."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from delegation import services
from delegation.models import Delegation, Permission, Role
from delegation.tests.factories import PermissionFactory
from people.models import Person
from people.tests.factories import DAY, T0, PersonFactory


@dataclass
class School:
    circulate: Permission
    catalogue: Permission
    publish: Permission
    librarian: Role
    head_librarian: Role
    editor: Role
    alice: Person
    bob: Person
    carol: Person
    dan: Person
    erin: Person


def build_school() -> School:
    """Alice is head librarian (which inherits librarian) from 30 days before T0; nobody else
    holds anything until a test delegates."""
    circulate = PermissionFactory(codename="library.circulate")
    catalogue = PermissionFactory(codename="library.catalogue")
    publish = PermissionFactory(codename="blog.publish")
    librarian = services.role_create(
        actor=None, code="librarian", name="Librarian", permissions=[circulate, catalogue]
    )
    head = services.role_create(
        actor=None, code="head-librarian", name="Head", inherits=[librarian]
    )
    editor = services.role_create(actor=None, code="editor", name="Editor", permissions=[publish])
    people = {
        name: PersonFactory(given_name=name.title())
        for name in ("alice", "bob", "carol", "dan", "erin")
    }
    services.assignment_create(
        actor=None, person=people["alice"], role=head, valid_from=T0 - 30 * DAY
    )
    return School(circulate, catalogue, publish, librarian, head, editor, **people)


def lend(
    delegator: Person,
    delegatee: Person,
    *,
    permission: Permission | None = None,
    role: Role | None = None,
    start: datetime = T0,
    days: int | None = 10,
    hops: int = 0,
    weight: int = 1,
) -> Delegation:
    """A delegation from `start` for `days` (None: no end), allowing `hops` re-delegations."""
    return services.delegation_create(
        actor=None,
        delegator=delegator,
        delegatee=delegatee,
        permission=permission,
        role=role,
        valid_from=start,
        expires_at=start + days * DAY if days else None,
        max_redelegations=hops,
        weight=weight,
    )
