"""Reads of the delegation tables, each with its loading strategy (so lists stay O(1) queries)."""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import QuerySet

from common.actors import Actor
from common.exceptions import NotFoundError
from common.models import AuditEntry, OutboxEvent
from delegation import policies
from delegation.graph import get_graph
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


def delegation_list() -> QuerySet[Delegation]:
    return Delegation.objects.select_related(
        "delegator", "delegatee", "permission", "role", "created_by"
    ).order_by("-id")


def role_for_update(*, role_id: int) -> Role:
    """The role, row-locked until the transaction ends."""
    return Role.objects.select_for_update().get(pk=role_id)


def assignment_for_update(*, assignment_id: int) -> RoleAssignment:
    return RoleAssignment.objects.select_for_update().get(pk=assignment_id)


def delegation_for_update(*, delegation_id: int) -> Delegation:
    return Delegation.objects.select_for_update().get(pk=delegation_id)


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


def unit_get(unit_id: int) -> OrgUnit:
    unit = OrgUnit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise NotFoundError(f"No org unit with id {unit_id}.", field="unit")
    return unit


def graph_for(*, actor: Actor, about: Collection[int] | None) -> GraphBackend:
    """The graph, to ask a question about the people `about` (None: about everyone), once the
    access policy allows `actor` to ask it (a 403 otherwise)."""
    policies.check_may_ask_about(actor=actor, people=about)
    return get_graph()
