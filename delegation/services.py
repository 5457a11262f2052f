"""Writes to permissions, roles, assignments and delegations.

Each write runs in one transaction that also appends the audit entry and the outbox events, and
announces the people whose authority changed once it commits. Rules checked (most are reads, in
`selectors`, which the admin's forms ask too), with a 400 naming the input at fault: no
self-delegation, no lending what the delegator does not hold (and may pass on) at the start of
the delegation, expiry after start, no role inheritance cycle, a revocation between the
delegation's start and now. A permission is deleted only once nothing grants or lends it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from common import outbox
from common.actors import Actor, user_of
from common.audit import audit_record, snapshot
from common.events import AUTHORITY, announce
from common.exceptions import ConflictError, ServiceError
from common.models import AuditEntry
from common.validation import refuse_end_before_start, refuse_while_referenced
from delegation import selectors
from delegation.models import (
    Delegation,
    Permission,
    Role,
    RoleAssignment,
    RoleInheritance,
    RolePermission,
)
from people.models import OrgUnit, Person

# How far ahead of this server's clock a caller's "now" may be when it dates a revocation.
REVOKE_CLOCK_SKEW = timedelta(minutes=1)


# --- permissions and roles --------------------------------------------------------------------
@transaction.atomic
def permission_create(*, actor: Actor, codename: str, description: str = "") -> Permission:
    permission = Permission(codename=codename, description=description)
    permission.full_clean()
    permission.save()
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, instance=permission, before=None)
    outbox.upserted(permission)
    return permission


@transaction.atomic
def permission_update(*, actor: Actor, permission: Permission, description: str) -> Permission:
    """Only the description changes: a codename is how code and grants name the permission."""
    before = snapshot(Permission.objects.get(pk=permission.pk))
    permission.description = description
    permission.full_clean()
    permission.save(update_fields=["description"])
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, instance=permission, before=before)
    outbox.upserted(permission)
    return permission


@transaction.atomic
def permission_delete(*, actor: Actor, permission: Permission) -> None:
    """Refused while a role grants it or a delegation lends it: take it out of those first."""
    permission = Permission.objects.select_for_update().get(pk=permission.pk)
    refuse_while_referenced(permission)
    before, pk = snapshot(permission), permission.pk
    permission.delete()
    audit_record(actor=actor, action=AuditEntry.Action.DELETE, instance=permission, before=before)
    outbox.deleted(permission, pk)


def _replace_grants(
    role: Role, permissions: Sequence[Permission] | None, inherits: Sequence[Role] | None
) -> None:
    """Make the role's GRANTS and INHERITS edges exactly these, with an outbox event per change."""
    if permissions is not None:
        _replace_edges(RolePermission, role, "permission", permissions)
    if inherits is not None:
        selectors.role_validate_inherits(role=role, inherits=inherits)
        _replace_edges(RoleInheritance, role, "parent", inherits)


def _replace_edges(
    model: type[RolePermission] | type[RoleInheritance],
    role: Role,
    other: str,
    targets: Sequence[models.Model],
) -> None:
    wanted = {target.pk for target in targets}
    current = {getattr(edge, f"{other}_id"): edge for edge in model.objects.filter(role=role)}
    for target_id, edge in current.items():
        if target_id not in wanted:
            edge_id = edge.pk
            edge.delete()
            outbox.deleted(edge, edge_id)
    added = [model(role=role, **{f"{other}_id": pk}) for pk in wanted - current.keys()]
    for edge in added:
        edge.save()
        outbox.upserted(edge)


@transaction.atomic
def role_create(
    *,
    actor: Actor,
    code: str,
    name: str,
    description: str = "",
    permissions: Sequence[Permission] = (),
    inherits: Sequence[Role] = (),
) -> Role:
    role = Role(code=code, name=name, description=description)
    role.full_clean()
    role.save()
    outbox.upserted(role)
    _replace_grants(role, permissions, inherits)
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, instance=role, before=None)
    return role


@transaction.atomic
def role_update(
    *,
    actor: Actor,
    role: Role,
    name: str | None = None,
    description: str | None = None,
    permissions: Sequence[Permission] | None = None,
    inherits: Sequence[Role] | None = None,
) -> Role:
    role = selectors.role_for_update(role_id=role.pk)
    before = snapshot(role)
    role.name = role.name if name is None else name
    role.description = role.description if description is None else description
    role.full_clean()
    role.save()
    outbox.upserted(role)
    _replace_grants(role, permissions, inherits)
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, instance=role, before=before)
    announce(selectors.role_holders_affected(role=role), AUTHORITY)
    return role


@transaction.atomic
def role_delete(*, actor: Actor, role: Role) -> None:
    """Its own grants go with it; roles that inherited it lose it, each with an audit entry."""
    before, role_id = snapshot(role), role.pk
    edges = [*RolePermission.objects.filter(role=role), *RoleInheritance.objects.filter(role=role)]
    edges += RoleInheritance.objects.filter(parent=role)
    heirs = {heir: snapshot(heir) for heir in Role.objects.filter(parent_links__parent=role)}
    announce(selectors.role_holders_affected(role=role), AUTHORITY)
    try:
        role.delete()
    except ProtectedError:
        raise ConflictError(
            f"Role {role.code!r} is still assigned or delegated; end those first.", field="role"
        ) from None
    for edge in edges:
        outbox.deleted(edge)
    outbox.deleted(role, role_id)
    audit_record(actor=actor, action=AuditEntry.Action.DELETE, instance=role, before=before)
    for heir, was in heirs.items():
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, instance=heir, before=was)


def _save_and_record(
    instance: RoleAssignment | Delegation,
    action: str,
    before: dict[str, Any] | None,
    actor: Actor,
) -> None:
    """Validate and save, audit, queue the graph change, announce the holders downstream."""
    instance.full_clean()
    instance.save()
    audit_record(actor=actor, action=action, instance=instance, before=before)
    outbox.upserted(instance)
    announce(selectors.affected_by(instance=instance, before=before), AUTHORITY)


# --- assignments ------------------------------------------------------------------------------
@transaction.atomic
def assignment_create(
    *,
    actor: Actor,
    person: Person,
    role: Role,
    scope_unit: OrgUnit | None = None,
    valid_from: datetime | None = None,
    valid_to: datetime | None = None,
) -> RoleAssignment:
    valid_from = valid_from or timezone.now()
    refuse_end_before_start(valid_from, valid_to, field="valid_to")
    assignment = RoleAssignment(
        person=person,
        role=role,
        scope_unit=scope_unit,
        valid_from=valid_from,
        valid_to=valid_to,
        created_by=user_of(actor),
    )
    _save_and_record(assignment, AuditEntry.Action.CREATE, None, actor)
    return assignment


@transaction.atomic
def assignment_update(
    *,
    actor: Actor,
    assignment: RoleAssignment,
    valid_to: datetime | None,
    scope_unit: OrgUnit | None,
) -> RoleAssignment:
    """Change the end (e.g. end it now) or the scope; person, role and start stay."""
    assignment = selectors.assignment_for_update(assignment_id=assignment.pk)
    before = snapshot(assignment)
    refuse_end_before_start(assignment.valid_from, valid_to, field="valid_to")
    assignment.valid_to, assignment.scope_unit = valid_to, scope_unit
    _save_and_record(assignment, AuditEntry.Action.UPDATE, before, actor)
    return assignment


@transaction.atomic
def assignment_delete(*, actor: Actor, assignment: RoleAssignment) -> None:
    before, pk = snapshot(assignment), assignment.pk
    affected = selectors.affected_by(instance=assignment)
    assignment.delete()
    audit_record(actor=actor, action=AuditEntry.Action.DELETE, instance=assignment, before=before)
    outbox.deleted(assignment, pk)
    announce(affected, AUTHORITY)


# --- delegations ------------------------------------------------------------------------------
@transaction.atomic
def delegation_create(
    *,
    actor: Actor,
    delegator: Person,
    delegatee: Person,
    permission: Permission | None = None,
    role: Role | None = None,
    valid_from: datetime | None = None,
    expires_at: datetime | None = None,
    weight: int = 1,
    max_redelegations: int = 0,
    reason: str = "",
) -> Delegation:
    terms: dict[str, Any] = {
        "delegator": delegator,
        "delegatee": delegatee,
        "permission": permission,
        "role": role,
        "valid_from": valid_from or timezone.now(),
        "expires_at": expires_at,
        "max_redelegations": max_redelegations,
    }
    selectors.delegation_validate(**terms)
    delegation = Delegation(**terms, weight=weight, reason=reason, created_by=user_of(actor))
    _save_and_record(delegation, AuditEntry.Action.CREATE, None, actor)
    return delegation


@transaction.atomic
def delegation_update(
    *,
    actor: Actor,
    delegation: Delegation,
    expires_at: datetime | None,
    weight: int,
    max_redelegations: int,
    reason: str,
) -> Delegation:
    """Change the terms of a delegation; who lends what to whom from when stays fixed."""
    delegation = selectors.delegation_for_update(delegation_id=delegation.pk)
    if delegation.revoked_at is not None:
        raise ConflictError("A revoked delegation cannot change.", field="revoked_at")
    before = snapshot(delegation)
    refuse_end_before_start(delegation.valid_from, expires_at, field="expires_at")
    selectors.refuse_too_deep(max_redelegations=max_redelegations)
    delegation.expires_at, delegation.weight = expires_at, weight
    delegation.max_redelegations, delegation.reason = max_redelegations, reason
    _save_and_record(delegation, AuditEntry.Action.UPDATE, before, actor)
    return delegation


def _revocation_time(delegation: Delegation, at: datetime | None) -> datetime:
    """When a revocation takes effect: `at`, which lies between the start and now (a future
    end is `expires_at`'s job); without `at`, now, or the start of one that has not begun."""
    now = timezone.now()
    if at is None:
        return max(now, delegation.valid_from)
    if at < delegation.valid_from:
        raise ServiceError(
            f"The delegation starts at {delegation.valid_from.isoformat()}; "
            "it cannot be revoked before then.",
            field="at",
            code="before_start",
        )
    if at > now + REVOKE_CLOCK_SKEW:
        raise ServiceError(
            "A revocation cannot be dated in the future; set expires_at to end it later.",
            field="at",
            code="future",
        )
    return at


@transaction.atomic
def delegation_revoke(
    *, actor: Actor, delegation: Delegation, at: datetime | None = None
) -> Delegation:
    """Revoke from `at` (now): the delegation and every chain through it stop counting then.
    Revoking again earlier brings the revocation forward (one dated ahead within the clock skew,
    or scheduled before revocations had to lie in the past); any other repeat is a conflict."""
    delegation = selectors.delegation_for_update(delegation_id=delegation.pk)
    revoked_at = _revocation_time(delegation, at)
    if delegation.revoked_at is not None and delegation.revoked_at <= revoked_at:
        raise ConflictError("This delegation is already revoked.", field="revoked_at")
    before = snapshot(delegation)
    delegation.revoked_at = revoked_at
    delegation.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action=AuditEntry.Action.REVOKE, instance=delegation, before=before)
    outbox.upserted(delegation)
    announce(selectors.affected_by(instance=delegation), AUTHORITY)
    return delegation
