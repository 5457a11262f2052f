"""The outbox: graph changes written in the same transaction as the rows they describe.

Each event names one node or edge and carries its full current state (`upsert`) or its key
(`delete`), so projecting an event is idempotent and replaying the outbox gives the same graph.
Services call `node_upsert` / `edge_upsert` / `deleted`; `graph_sync` reads the events back.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from delegation.models import (
    Delegation,
    OutboxEvent,
    Permission,
    Role,
    RoleAssignment,
    RoleInheritance,
    RolePermission,
)
from school.models import OrgUnit, Person, ReportingLine

# The graph element each model becomes, and the fields its properties are copied from.
ELEMENTS: dict[type[models.Model], tuple[str, tuple[str, ...]]] = {
    Person: ("person", ("given_name", "family_name", "email", "kind", "org_unit_id", "active")),
    OrgUnit: ("unit", ("code", "name", "parent_id")),
    ReportingLine: ("reporting_line", ("person_id", "manager_id", "valid_from", "valid_to")),
    Permission: ("permission", ("codename", "description")),
    Role: ("role", ("code", "name")),
    RolePermission: ("role_permission", ("role_id", "permission_id")),
    RoleInheritance: ("role_inheritance", ("role_id", "parent_id")),
    RoleAssignment: (
        "assignment",
        ("person_id", "role_id", "scope_unit_id", "valid_from", "valid_to"),
    ),
    Delegation: (
        "delegation",
        (
            "delegator_id",
            "delegatee_id",
            "permission_id",
            "role_id",
            "valid_from",
            "expires_at",
            "revoked_at",
            "weight",
            "max_redelegations",
        ),
    ),
}


def state(instance: models.Model) -> dict[str, Any]:
    """The properties the graph keeps for `instance`, keyed by its primary key."""
    _, fields = ELEMENTS[type(instance)]
    return {"id": instance.pk, **{name: getattr(instance, name) for name in fields}}


def upserted(instance: models.Model) -> OutboxEvent:
    element, _ = ELEMENTS[type(instance)]
    return OutboxEvent.objects.create(kind=f"{element}.upsert", payload=state(instance))


def deleted(instance: models.Model, pk: int | None = None) -> OutboxEvent:
    """Call with the pk saved before `instance.delete()` cleared it."""
    element, _ = ELEMENTS[type(instance)]
    return OutboxEvent.objects.create(kind=f"{element}.delete", payload={"id": pk or instance.pk})


def upserted_many(instances: list[models.Model]) -> None:
    OutboxEvent.objects.bulk_create(
        OutboxEvent(kind=f"{ELEMENTS[type(obj)][0]}.upsert", payload=state(obj))
        for obj in instances
    )
