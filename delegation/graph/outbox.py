"""Delegation's part of the outbox (`common.outbox`): which of its models the graph projects,
and the drain after commit when the graph is Neo4j."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

from django.conf import settings

from common import outbox
from delegation.models import (
    Delegation,
    Permission,
    Role,
    RoleAssignment,
    RoleInheritance,
    RolePermission,
)

if TYPE_CHECKING:
    from delegation.graph.neo4j import Neo4jGraphBackend

logger = logging.getLogger(__name__)


def register_elements() -> None:
    """Declare the graph element of each delegation model; called from the app's ready()."""
    outbox.register(Permission, "permission", ("codename", "description"))
    outbox.register(Role, "role", ("code", "name"))
    outbox.register(RolePermission, "role_permission", ("role_id", "permission_id"))
    outbox.register(RoleInheritance, "role_inheritance", ("role_id", "parent_id"))
    outbox.register(
        RoleAssignment,
        "assignment",
        ("person_id", "role_id", "scope_unit_id", "valid_from", "valid_to"),
    )
    outbox.register(
        Delegation,
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
    )
    outbox.on_commit(drain_best_effort)


def drain_best_effort() -> None:
    """Project right after commit so Neo4j lags by milliseconds; if it is down, the events
    stay pending and `graph_sync` catches up. The SQL backend reads the tables themselves."""
    if settings.GRAPH_BACKEND != "neo4j":
        return
    from delegation.graph import get_graph

    try:
        cast("Neo4jGraphBackend", get_graph()).sync()
    except Exception:  # any driver failure: the write is committed and must stay so
        logger.warning("graph drain after commit failed; graph_sync will catch up", exc_info=True)
