"""Shapes of the people API's answers."""

from __future__ import annotations

from rest_framework import serializers

from people.models import OrgUnit, Person


class OrgUnitSerializer(serializers.ModelSerializer):
    # DRF's metaclass pops declared fields off the class, so this is no `Field.parent` (the
    # serializer a field is bound to); the stubs take declared fields for class attributes.
    parent: serializers.SlugRelatedField[OrgUnit] = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="code", read_only=True
    )
    head_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = OrgUnit
        fields = ["id", "code", "name", "parent", "head_count"]


class UnitMemberSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Person
        fields = ["id", "name", "kind", "title"]
