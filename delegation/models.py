"""Permissions, roles, role assignments and delegations (their audit log and outbox: `common`).

These tables are the system of record; `delegation.graph` answers questions over them (the SQL
backend directly, the Neo4j backend through the outbox projection). Business rules (no
escalation, no inheritance cycle...) live in `delegation.services`; the constraints below are the
ones the database can hold on its own.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Cast, Coalesce, Least
from django.utils import timezone

from people.models import OrgUnit, Person


class Permission(models.Model):
    """Something a person may do, named `app.action` (e.g. `library.circulate`)."""

    codename = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["codename"]

    def __str__(self) -> str:
        return self.codename


class Role(models.Model):
    """A named bundle of permissions; it also holds every permission of the roles it inherits."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=255, blank=True)
    permissions = models.ManyToManyField(
        Permission, through="RolePermission", related_name="roles", blank=True
    )
    inherits = models.ManyToManyField(
        "self",
        through="RoleInheritance",
        symmetrical=False,
        related_name="inherited_by",
        blank=True,
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class RolePermission(models.Model):
    """GRANTS edge: `role` grants `permission`."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="grants")
    # PROTECT: a permission still granted cannot vanish from roles without their audit entries.
    permission = models.ForeignKey(Permission, on_delete=models.PROTECT, related_name="grants")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["role", "permission"],
                name="rolepermission_unique",
                violation_error_message="The role already grants this permission.",
            ),
        ]
        indexes = [models.Index(fields=["permission", "role"], name="rolepermission_perm_idx")]

    def __str__(self) -> str:
        return f"{self.role} grants {self.permission}"


class RoleInheritance(models.Model):
    """INHERITS edge: `role` holds everything `parent` holds. The graph of these has no cycle."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="parent_links")
    parent = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="child_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["role", "parent"],
                name="roleinheritance_unique",
                violation_error_message="The role already inherits this role.",
            ),
            models.CheckConstraint(
                condition=~Q(role=F("parent")),
                name="roleinheritance_not_self",
                violation_error_message="A role cannot inherit itself.",
            ),
        ]
        indexes = [models.Index(fields=["parent", "role"], name="roleinheritance_parent_idx")]

    def __str__(self) -> str:
        return f"{self.role} inherits {self.parent}"


class RoleAssignment(models.Model):
    """HAS_ROLE edge: `person` holds `role` (optionally scoped to a unit) during a time window."""

    # PROTECT: assignments are audited history; `people.services.person_delete` refuses while
    # any names the person, and no other delete may take them along unaudited.
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="role_assignments")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="assignments")
    scope_unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="role_assignments"
    )
    valid_from = models.DateTimeField(default=timezone.now)
    valid_to = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["person_id", "-valid_from", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")),
                name="roleassignment_ends_after_start",
                violation_error_message="A role assignment must end after it starts.",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "valid_from"], name="roleassignment_person_idx"),
            models.Index(fields=["role", "valid_from"], name="roleassignment_role_idx"),
        ]

    def __str__(self) -> str:
        scope = f" in {self.scope_unit}" if self.scope_unit_id else ""
        return f"{self.person} has {self.role}{scope}"


def _never(field: str) -> Coalesce:
    """`field`, or the end of time when it is null (PostgreSQL's 'infinity')."""
    return Coalesce(F(field), Cast(Value("infinity"), DateTimeField()))


# When a delegation stops counting: the earlier of its expiry and its revocation, 'infinity' when
# neither is set. "Valid at T" is `valid_from <= T AND VALID_UNTIL > T`: one range on this
# expression, which is what lets an index skip lapsed history for any T (an index predicate
# cannot say "not expired now"). `sql_queries.VALID_UNTIL` spells the same expression in SQL;
# PostgreSQL only ('infinity'); the test in `tests/test_who_can_index.py` checks they agree.
VALID_UNTIL = Least(_never("expires_at"), _never("revoked_at"))


class Delegation(models.Model):
    """DELEGATES edge: `delegator` lends a permission or a role to `delegatee` for a while.

    It counts at time T only if T is inside [valid_from, expires_at), it is not revoked at T, the
    delegator holds what it lends at T, and the chain above it allows one more re-delegation.
    `max_redelegations` is how many further hops the delegatee may pass it on (0: none).
    `weight` is the cost of this link for the cheapest-path query; lower weight means higher
    priority when two proofs are equally short.
    """

    delegator = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="delegations_given"
    )
    delegatee = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="delegations_received"
    )
    permission = models.ForeignKey(
        Permission, null=True, blank=True, on_delete=models.PROTECT, related_name="delegations"
    )
    role = models.ForeignKey(
        Role, null=True, blank=True, on_delete=models.PROTECT, related_name="delegations"
    )
    valid_from = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    weight = models.PositiveSmallIntegerField(default=1)
    max_redelegations = models.PositiveSmallIntegerField(default=0)
    reason = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-valid_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(permission__isnull=True) & Q(role__isnull=False))
                | (Q(permission__isnull=False) & Q(role__isnull=True)),
                name="delegation_permission_xor_role",
                violation_error_message="Delegate exactly one of a permission or a role.",
            ),
            models.CheckConstraint(
                condition=~Q(delegator=F("delegatee")),
                name="delegation_not_self",
                violation_error_message="Nobody can delegate to themselves.",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=F("valid_from")),
                name="delegation_expires_after_start",
                violation_error_message="A delegation must expire after it starts.",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_at__gte=F("valid_from")),
                name="delegation_revoked_after_start",
                violation_error_message="A delegation cannot be revoked before it starts.",
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=1),
                name="delegation_weight_positive",
                violation_error_message="A delegation's weight is at least 1.",
            ),
        ]
        indexes = [
            # check() walks delegations backwards from the person asked about, at a time T.
            models.Index(
                fields=["delegatee", "valid_from", "expires_at"], name="delegation_delegatee_idx"
            ),
            # who_can() and paths() walk them forwards from the delegator.
            models.Index(
                fields=["delegator", "valid_from", "expires_at"], name="delegation_delegator_idx"
            ),
            # who_can()'s candidates for a rare grant: the delegations lending it that are still
            # valid at T, as one index range whatever the expired history (delegatee last: the
            # keyset's `delegatee > after` is checked in the index). One per kind of grant, each
            # partial on its kind. PostgreSQL only (migration 0005).
            models.Index(
                F("permission"),
                VALID_UNTIL,
                F("delegatee"),
                condition=Q(permission__isnull=False),
                name="delegation_perm_until_idx",
            ),
            models.Index(
                F("role"),
                VALID_UNTIL,
                F("delegatee"),
                condition=Q(role__isnull=False),
                name="delegation_role_until_idx",
            ),
        ]

    def __str__(self) -> str:
        grant = self.role if self.role_id else self.permission
        return f"{self.delegator} → {self.delegatee}: {grant} (#{self.pk})"

    @property
    def grant_label(self) -> str:
        return f"role:{self.role}" if self.role_id else f"permission:{self.permission}"
