"""Reads of the delegation tables, each with its loading strategy (so lists stay O(1) queries)."""

from __future__ import annotations

import re
from collections.abc import Collection

from django.db.models import Q, QuerySet

from common.actors import Actor
from common.exceptions import NotFoundError, ServiceError
from common.models import AuditEntry, OutboxEvent
from delegation import policies
from delegation.graph import answering_graph
from delegation.graph.base import GraphBackend
from delegation.models import (
    Delegation,
    Permission,
    Role,
    RoleAssignment,
)
from people.models import OrgUnit, Person


def permission_list() -> QuerySet[Permission]:
    return Permission.objects.order_by("codename")


def role_list() -> QuerySet[Role]:
    return Role.objects.prefetch_related("permissions", "inherits").order_by("code")


def assignment_list() -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.select_related("person", "role", "scope_unit").order_by("id")


DELEGATION_RELATED = ("delegator", "delegatee", "permission", "role", "created_by")


def delegation_list() -> QuerySet[Delegation]:
    return Delegation.objects.select_related(*DELEGATION_RELATED).order_by("-id")


def example_delegation(*, actor: Actor) -> Delegation | None:
    """The newest standing delegation whose two people `actor` may ask about, for the
    explorer's example links (a link names who delegated what to whom)."""
    askable = Person.objects.filter(policies.askable_people(actor=actor))
    standing = delegation_list().filter(revoked_at__isnull=True)
    return standing.filter(delegator__in=askable, delegatee__in=askable).first()


def role_for_update(*, role_id: int) -> Role:
    """The role, row-locked until the transaction ends."""
    return Role.objects.select_for_update().get(pk=role_id)


def assignment_for_update(*, assignment_id: int) -> RoleAssignment:
    return RoleAssignment.objects.select_for_update().get(pk=assignment_id)


def delegation_for_update(*, delegation_id: int) -> Delegation:
    """The delegation, row-locked, with every row its answer shows: a write's answer then needs
    no read after COMMIT, so a database lost at that moment cannot turn it into a 503."""
    locked = Delegation.objects.select_for_update(of=("self",))
    return locked.select_related(*DELEGATION_RELATED).get(pk=delegation_id)


def outbox_pending_for_update(*, limit: int) -> list[OutboxEvent]:
    """The oldest unprocessed events, row-locked; rows another drain holds are skipped."""
    return list(
        OutboxEvent.objects.select_for_update(skip_locked=True)
        .filter(processed_at__isnull=True)
        .order_by("id")[:limit]
    )


def audit_list() -> QuerySet[AuditEntry]:
    return AuditEntry.objects.select_related("actor")


def person_get(person_id: int, *, field: str = "person") -> Person:
    """The person, or a 404 naming the query parameter that pointed at nobody."""
    person = Person.objects.filter(pk=person_id).only("id", "given_name", "family_name").first()
    if person is None:
        raise NotFoundError(f"No person with id {person_id}.", field=field)
    return person


PEOPLE_SUGGESTED = 10
# `Ada B. Ngata (#12)`: the label the explorer's suggestions offer, read back as id 12.
_LABELLED_ID = re.compile(r"\(#(\d+)\)\s*$")


def person_label(person: Person) -> str:
    return f"{person.name} (#{person.pk})"


def name_words(text: str) -> Q:
    """Each word of `text` in the given or the family name ("ada ngata", "B. Ngata")."""
    match = Q()
    for word in text.split():
        match &= Q(given_name__icontains=word) | Q(family_name__icontains=word)
    return match


def people_named(*, actor: Actor, text: str, limit: int = PEOPLE_SUGGESTED) -> list[Person]:
    """Up to `limit` people whose name matches `text`, among those `actor` may ask about
    (one query), by family then given name."""
    if not text.split():
        return []
    people = Person.objects.filter(policies.askable_people(actor=actor) & name_words(text))
    ordered = people.only("id", "given_name", "family_name").order_by("family_name", "given_name")
    return list(ordered[:limit])


def person_from_text(*, actor: Actor, text: str, field: str = "person") -> Person:
    """The person meant by `text`: an id, a suggestion's label, or a name that matches exactly
    one person the caller may ask about; a ServiceError naming `field` otherwise."""
    text = text.strip()
    labelled = _LABELLED_ID.search(text)
    if text.isdigit() or labelled:
        return person_get(int(labelled.group(1) if labelled else text), field=field)
    found = people_named(actor=actor, text=text, limit=6)
    if len(found) == 1:
        return found[0]
    if not found:
        raise NotFoundError(f"No one you may ask about is called {text!r}.", field=field)
    names = ", ".join(person_label(person) for person in found[:5])
    raise ServiceError(f"Several people match {text!r}: {names}. Pick one.", field=field)


def unit_get(unit_id: int) -> OrgUnit:
    unit = OrgUnit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise NotFoundError(f"No org unit with id {unit_id}.", field="unit")
    return unit


def graph_for(*, actor: Actor, about: Collection[int] | None) -> GraphBackend:
    """The graph, to ask a question about the people `about` (None: about everyone), once the
    access policy allows `actor` to ask it (a 403 otherwise)."""
    policies.check_may_ask_about(actor=actor, people=about)
    return answering_graph()
