"""Input and output serializers of the delegation API."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from rest_framework import serializers

from common.models import AuditEntry
from common.serializers import ReplaceSerializer, SlugRelatedField
from delegation.graph.consistency import FULLY, Consistency
from delegation.models import Delegation, Permission, Role, RoleAssignment
from people.models import OrgUnit, Person


class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


# --- permissions and roles --------------------------------------------------------------------
class PermissionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Permission
        fields = ["id", "codename", "description"]


class RoleOutSerializer(serializers.ModelSerializer):
    permissions = SlugRelatedField(many=True, read_only=True, slug_field="codename")
    inherits = SlugRelatedField(many=True, read_only=True, slug_field="code")

    class Meta:
        model = Role
        fields = ["id", "code", "name", "description", "permissions", "inherits"]


class RoleInSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=60)
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(
        max_length=255, allow_blank=True, required=False, default=""
    )
    permissions = SlugRelatedField(
        many=True, slug_field="codename", queryset=Permission.objects.all(), required=False
    )
    inherits = SlugRelatedField(
        many=True, slug_field="code", queryset=Role.objects.all(), required=False
    )


class RoleUpdateSerializer(ReplaceSerializer, RoleInSerializer):
    """A PUT's body: every field but the code (the URL names it) is required."""

    # DRF's way to drop an inherited declared field; the stubs take fields for class attributes.
    code = None  # type: ignore[assignment]


# --- assignments --------------------------------------------------------------------------------
class AssignmentOutSerializer(serializers.ModelSerializer):
    person = PersonRefSerializer()
    role = SlugRelatedField(read_only=True, slug_field="code")
    scope_unit = SlugRelatedField(read_only=True, slug_field="code")

    class Meta:
        model = RoleAssignment
        fields = ["id", "person", "role", "scope_unit", "valid_from", "valid_to", "created_at"]


class AssignmentInSerializer(serializers.Serializer):
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all())
    role = SlugRelatedField(slug_field="code", queryset=Role.objects.all())
    scope_unit = SlugRelatedField(
        slug_field="code", queryset=OrgUnit.objects.all(), required=False, allow_null=True
    )
    valid_from = serializers.DateTimeField(required=False)
    valid_to = serializers.DateTimeField(required=False, allow_null=True)


class AssignmentUpdateSerializer(ReplaceSerializer):
    scope_unit = SlugRelatedField(
        slug_field="code", queryset=OrgUnit.objects.all(), allow_null=True
    )
    valid_to = serializers.DateTimeField(allow_null=True)


# --- delegations --------------------------------------------------------------------------------
class DelegationOutSerializer(serializers.ModelSerializer):
    delegator = PersonRefSerializer()
    delegatee = PersonRefSerializer()
    permission = SlugRelatedField(read_only=True, slug_field="codename")
    role = SlugRelatedField(read_only=True, slug_field="code")
    created_by = SlugRelatedField(read_only=True, slug_field="username")

    class Meta:
        model = Delegation
        fields = [
            "id",
            "delegator",
            "delegatee",
            "permission",
            "role",
            "valid_from",
            "expires_at",
            "revoked_at",
            "weight",
            "max_redelegations",
            "reason",
            "created_by",
            "created_at",
        ]


class DelegationTermsSerializer(ReplaceSerializer):
    """The terms a PUT replaces. Every one is required: a field left out is a 400 naming it,
    never a silent reset to its default (an expiry dropped would make a delegation permanent)."""

    expires_at = serializers.DateTimeField(allow_null=True)
    weight = serializers.IntegerField(min_value=1, max_value=1000)
    max_redelegations = serializers.IntegerField(min_value=0, max_value=100)
    reason = serializers.CharField(max_length=255, allow_blank=True)


class DelegationInSerializer(serializers.Serializer):
    """A new delegation; terms left out take their defaults (no expiry, weight 1, no re-lending)."""

    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    weight = serializers.IntegerField(min_value=1, max_value=1000, default=1)
    max_redelegations = serializers.IntegerField(min_value=0, max_value=100, default=0)
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    delegator = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all())
    delegatee = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all())
    permission = SlugRelatedField(
        slug_field="codename", queryset=Permission.objects.all(), required=False, allow_null=True
    )
    role = SlugRelatedField(
        slug_field="code", queryset=Role.objects.all(), required=False, allow_null=True
    )
    valid_from = serializers.DateTimeField(required=False)


class RevokeSerializer(serializers.Serializer):
    at = serializers.DateTimeField(
        required=False, help_text="Between the delegation's start and now; now when left out."
    )


# --- audit --------------------------------------------------------------------------------------
class AuditEntrySerializer(serializers.ModelSerializer):
    actor = SlugRelatedField(read_only=True, slug_field="username")

    class Meta:
        model = AuditEntry
        fields = ["id", "at", "actor", "action", "entity", "entity_id", "before", "after"]


# --- graph questions ----------------------------------------------------------------------------
class AtQuerySerializer(serializers.Serializer):
    at = serializers.DateTimeField(required=False, help_text="ISO 8601 time; default now.")

    def moment(self) -> datetime:
        return self.validated_data.get("at") or timezone.now()


class CheckQuerySerializer(AtQuerySerializer):
    person = serializers.IntegerField(min_value=1)
    permission = serializers.CharField(max_length=100)
    consistency = serializers.CharField(
        max_length=60,
        required=False,
        default=FULLY,
        help_text=(
            "How fresh the deciding store must be: `fully_consistent` (default: every write "
            "committed so far), `at_least_as_fresh:<token>` (every write up to a write's "
            "`Consistency-Token`), or `minimize_latency` (the graph at whatever position it "
            "has reached). A graph not fresh enough, or down, leaves the decision to SQL."
        ),
    )

    def validate_consistency(self, value: str) -> Consistency:
        try:
            return Consistency.parse(value)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from error


class WhoCanQuerySerializer(AtQuerySerializer):
    permission = serializers.CharField(max_length=100)
    cursor = serializers.IntegerField(min_value=0, required=False, default=0)


class PersonQuerySerializer(AtQuerySerializer):
    person = serializers.IntegerField(min_value=1)


class PathsQuerySerializer(AtQuerySerializer):
    # Popped off the class by DRF's metaclass: no clash with `Field.source`.
    source = serializers.IntegerField(min_value=1)  # type: ignore[assignment]
    target = serializers.IntegerField(min_value=1)
    k = serializers.IntegerField(min_value=1, max_value=10, default=3)
    permission = serializers.CharField(max_length=100, required=False)


class PairQuerySerializer(AtQuerySerializer):
    a = serializers.IntegerField(min_value=1)
    b = serializers.IntegerField(min_value=1)


class UnitQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(min_value=1, required=False)


class EdgeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["assignment", "inherits", "grants", "delegation"])
    # Popped off the class by DRF's metaclass: no clash with `Field.source`.
    source = serializers.CharField()  # type: ignore[assignment]
    target = serializers.CharField()
    id = serializers.IntegerField(allow_null=True)
    valid_from = serializers.DateTimeField(allow_null=True)
    valid_to = serializers.DateTimeField(allow_null=True)
    detail = serializers.DictField()


class CheckResultSerializer(serializers.Serializer):
    person_id = serializers.IntegerField()
    permission = serializers.CharField()
    at = serializers.DateTimeField()
    allowed = serializers.BooleanField()
    hops = serializers.IntegerField()
    weight = serializers.IntegerField()
    proof = EdgeSerializer(many=True)
    cycles = serializers.ListField(child=serializers.ListField(child=serializers.IntegerField()))
    backend = serializers.CharField()
    decided_by = serializers.CharField(
        help_text="The store that decided: `sql`, or the graph backend's name (`neo4j`)."
    )
    position = serializers.CharField(
        allow_null=True,
        help_text=(
            "The outbox position the deciding store reflected, as a consistency token: every "
            "write with a token at or below it is included."
        ),
    )
    consistency = serializers.CharField(
        help_text=(
            "The guarantee this answer carries: `fully_consistent` for SQL (the system of "
            "record), else the mode asked for."
        )
    )
    query = serializers.CharField()


class HolderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    hops = serializers.IntegerField()


class WhoCanSerializer(serializers.Serializer):
    results = HolderSerializer(many=True, source="items")
    next_cursor = serializers.IntegerField(allow_null=True)
    complete = serializers.BooleanField()
    backend = serializers.CharField()
    query = serializers.CharField()


class HeldPermissionSerializer(serializers.Serializer):
    permission = serializers.CharField()
    via = serializers.ChoiceField(choices=["assignment", "delegation"])
    hops = serializers.IntegerField()
    scope_unit = serializers.IntegerField(allow_null=True)


class WhatCanSerializer(serializers.Serializer):
    results = HeldPermissionSerializer(many=True, source="items")
    backend = serializers.CharField()
    query = serializers.CharField()


class ChainSerializer(serializers.Serializer):
    links = EdgeSerializer(many=True)
    hops = serializers.IntegerField()
    weight = serializers.IntegerField()


class PathsSerializer(serializers.Serializer):
    shortest = ChainSerializer(many=True)
    cheapest = ChainSerializer(many=True)
    backend = serializers.CharField()
    query = serializers.CharField()


class OrgRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    depth = serializers.IntegerField(required=False)
    manager_id = serializers.IntegerField(required=False)
    depth_a = serializers.IntegerField(required=False)
    depth_b = serializers.IntegerField(required=False)


class OrgAnswerSerializer(serializers.Serializer):
    results = OrgRowSerializer(many=True, source="items")
    backend = serializers.CharField()
    query = serializers.CharField()


class UnitRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    parent_id = serializers.IntegerField(allow_null=True)
    depth = serializers.IntegerField()
    people = serializers.IntegerField()


class UnitTreeSerializer(serializers.Serializer):
    results = UnitRowSerializer(many=True, source="items")
    backend = serializers.CharField()
    query = serializers.CharField()
