"""Who may act for a person and who sees their private details: the object-level decisions about
people, asked by the selectors and services of the apps above (school's enrolment and directory),
never by views or serializers.

Acting for a person (enrolling or dropping them): system writes (actor None: seeds, management
commands) and staff act for anyone; any other account only for the person linked to it.

Seeing a person: their public profile (`PUBLIC_FIELDS`) is every signed-in member's; the rest
(email, the org chart around them, roles, courses) is private, seen by the person themselves, by
staff, and by a viewer whose unit scope covers the person's unit. `people` sits below
`delegation`, so the scope (a grant of `school.view_directory`) is the caller's to work out and
hand in (`Viewer`); the decision is made here.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from django.db.models import Q

from common.actors import Actor, user_of
from people.models import Person

# A person's public profile: what any signed-in member sees of anyone.
PUBLIC_FIELDS = frozenset(
    {"id", "name", "given_name", "family_name", "kind", "title", "active", "unit_id"}
)


class UnitScope(Protocol):
    """Where a viewer's grant reaches: everywhere, or these units (`delegation`'s `Scope`)."""

    @property
    def everywhere(self) -> bool: ...

    @property
    def units(self) -> Collection[int]: ...


class Viewer(Protocol):
    """Who is looking, decided once per request by the app that asks."""

    @property
    def staff(self) -> bool: ...

    @property
    def own_person(self) -> int | None: ...

    @property
    def scope(self) -> UnitScope: ...


def may_act_for(*, actor: Actor, person: Person) -> bool:
    if actor is None:
        return True
    user = user_of(actor)  # None for an anonymous actor
    if user is None:
        return False
    return user.is_staff or (person.user_id is not None and person.user_id == user.pk)


def acted_for(*, actor: Actor, path: str = "") -> Q:
    """The people `actor` may act for, as a filter reaching Person through `path` (`"student__"`
    from an enrolment): everyone for staff and system writes, else the caller's own person."""
    if actor is None:
        return Q()
    user = user_of(actor)
    if user is None:
        return Q(pk__in=[])
    return Q() if user.is_staff else Q(**{f"{path}user_id": user.pk})


def may_see_private(*, viewer: Viewer, person_id: int, unit_id: int | None) -> bool:
    scope = viewer.scope
    covered = scope.everywhere or (unit_id is not None and unit_id in scope.units)
    return viewer.staff or person_id == viewer.own_person or covered


def private_rows(*, viewer: Viewer) -> Q:
    """The people whose private details `viewer` sees, as a filter on Person."""
    if viewer.staff or viewer.scope.everywhere:
        return Q()
    return Q(pk=viewer.own_person) | Q(org_unit_id__in=viewer.scope.units)
