"""The outbox: graph changes written in the same transaction as the rows they describe.

Each event names one node or edge and carries its full current state (`upsert`) or its key
(`delete`), so projecting an event is idempotent and replaying the outbox gives the same graph.
Services call `upserted` / `deleted`; `graph_sync` reads the events back.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import models, transaction

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

logger = logging.getLogger(__name__)

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
    return _record(f"{element}.upsert", state(instance))


def deleted(instance: models.Model, pk: int | None = None) -> OutboxEvent:
    """Call with the pk saved before `instance.delete()` cleared it."""
    element, _ = ELEMENTS[type(instance)]
    return _record(f"{element}.delete", {"id": pk or instance.pk})


def _record(kind: str, payload: dict[str, Any]) -> OutboxEvent:
    event = OutboxEvent.objects.create(kind=kind, payload=payload)
    if settings.GRAPH_BACKEND == "neo4j":
        transaction.on_commit(drain_best_effort)
    return event


def drain_best_effort() -> None:
    """Project right after commit so Neo4j lags by milliseconds; if it is down, the events
    stay pending and `graph_sync` (run on a schedule) catches up."""
    from delegation.graph import get_graph

    try:
        get_graph().sync()
    except Exception:  # any driver failure: the write is committed and must stay so
        logger.warning("graph drain after commit failed; graph_sync will catch up", exc_info=True)
