"""Delegation's part of the outbox (`common.outbox`): which of its models the graph projects.
The projection worker (`graph_sync --follow`) applies the events, never the writer's request."""

from __future__ import annotations

from common import outbox
from delegation.models import (
    Delegation,
    Permission,
    Role,
    RoleAssignment,
    RoleInheritance,
    RolePermission,
)


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
