"""Reads of the delegation tables, each with its loading strategy (so lists stay O(1) queries)."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from django.db import models
from django.db.models import Q, QuerySet

from common.actors import Actor
from common.exceptions import NotFoundError, ServiceError
from common.models import AuditEntry, OutboxEvent
from common.validation import refuse_end_before_start
from delegation import policies
from delegation.graph import answering_graph
from delegation.graph.base import MAX_CHAIN, GraphBackend
from delegation.graph.sql import SqlGraphBackend
from delegation.models import (
    Delegation,
    Permission,
    Role,
    RoleAssignment,
    RoleInheritance,
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


# --- write-time rules and whom a write reaches, asked by the services (and the admin's forms, to
# show errors in place). They read the system of record: the Neo4j projection may lag behind.
sql_graph = SqlGraphBackend()


def role_grants(role: models.Model) -> dict[str, Any]:
    """What a role's audit snapshot carries beyond its columns: its grants, by name."""
    assert isinstance(role, Role)
    return {
        "permissions": sorted(role.permissions.values_list("codename", flat=True)),
        "inherits": sorted(role.inherits.values_list("code", flat=True)),
    }


def role_ancestors(role_ids: Iterable[int], edges: Sequence[tuple[int, int]]) -> set[int]:
    """Roles reachable from `role_ids` by following `role -> parent` edges (themselves too)."""
    parents: dict[int, list[int]] = {}
    for role_id, parent_id in edges:
        parents.setdefault(role_id, []).append(parent_id)
    seen, todo = set(), list(role_ids)
    while todo:
        role_id = todo.pop()
        if role_id not in seen:
            seen.add(role_id)
            todo.extend(parents.get(role_id, []))
    return seen


def role_validate_inherits(*, role: Role, inherits: Sequence[Role]) -> None:
    others = RoleInheritance.objects.exclude(role=role).values_list("role_id", "parent_id")
    if role.pk in role_ancestors([parent.pk for parent in inherits], list(others)):
        raise ServiceError(
            f"Role {role.code!r} would inherit itself through "
            f"{', '.join(parent.code for parent in inherits)}.",
            field="inherits",
            code="cycle",
        )


def role_holders_affected(*, role: Role) -> set[int]:
    """Everyone holding the role, or a role that inherits it, and whoever they lent to."""
    edges = list(RoleInheritance.objects.values_list("parent_id", "role_id"))
    including = role_ancestors([role.pk], edges)  # followed downwards: roles that include `role`
    holders = RoleAssignment.objects.filter(role_id__in=including).values_list(
        "person_id", flat=True
    )
    return sql_graph.downstream(set(holders))


def affected_by(
    *, instance: RoleAssignment | Delegation, before: dict[str, Any] | None = None
) -> set[int]:
    """Who may hold something through this assignment or delegation, before or after a change
    (a delegation may have been passed on as far as its larger limit allowed)."""
    if isinstance(instance, RoleAssignment):
        return sql_graph.downstream([instance.person_id])
    budget = max(instance.max_redelegations, (before or {}).get("max_redelegations", 0))
    return sql_graph.downstream([instance.delegatee_id], budget)


def refuse_too_deep(*, max_redelegations: int) -> None:
    if max_redelegations > MAX_CHAIN - 1:
        raise ServiceError(
            f"At most {MAX_CHAIN - 1} further re-delegations are allowed.",
            field="max_redelegations",
            code="too_deep",
        )


def delegation_validate(
    *,
    delegator: Person,
    delegatee: Person,
    permission: Permission | None,
    role: Role | None,
    valid_from: datetime,
    expires_at: datetime | None,
    max_redelegations: int,
) -> None:
    """Every write rule of a new delegation; the admin form runs it to show errors in place."""
    if delegator.pk == delegatee.pk:
        raise ServiceError("Nobody can delegate to themselves.", field="delegatee", code="self")
    if (permission is None) == (role is None):
        raise ServiceError(
            "Delegate exactly one of a permission or a role.", field="permission", code="grant"
        )
    refuse_end_before_start(valid_from, expires_at, field="expires_at")
    refuse_too_deep(max_redelegations=max_redelegations)
    _refuse_escalation(delegator, permission, role, valid_from)


def _refuse_escalation(
    delegator: Person, permission: Permission | None, role: Role | None, at: datetime
) -> None:
    # delegation_validate lets exactly one of the two through: without a role, a permission.
    lent_permission = cast(Permission, permission)
    need = ("r", role.pk) if role else ("p", lent_permission.pk)
    rows, _ = sql_graph.holds(delegator.pk, need, at, to_delegate=True)
    if not any(row[0] == "proof" for row in rows):
        lent = f"role {role.code!r}" if role else f"permission {lent_permission.codename!r}"
        raise ServiceError(
            f"{delegator} does not hold {lent} at {at.isoformat()} in a way that may be passed on.",
            field="role" if role else "permission",
            code="escalation",
        )
