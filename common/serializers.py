"""Serializer fields shared by the apps' APIs."""

from typing import Any

from django.db.models import Model
from rest_framework import serializers


class SlugRelatedField(serializers.SlugRelatedField):
    """DRF's SlugRelatedField, refusing text PostgreSQL cannot compare (a NUL character) with a
    400 on the field instead of letting the lookup fail in the database."""

    default_error_messages = {"null_characters": "Null characters are not allowed."}

    def to_internal_value(self, data: Any) -> Model:
        if isinstance(data, str) and "\x00" in data:
            self.fail("null_characters")
        return super().to_internal_value(data)


class ReplaceSerializer(serializers.Serializer):
    """The body of a PUT: it replaces the resource, so every writable field is required. A field
    left out is a 400 naming it, never a silent reset to its default (a dropped `expires_at`
    made a delegation permanent, a dropped `description` emptied a role). Subclass it first:
    `class RoleReplaceSerializer(ReplaceSerializer, RoleInSerializer)` makes the inherited
    optional fields required too, and the OpenAPI schema lists them as required."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for field in fields.values():
            if not field.read_only:
                # DRF checks `required` before it falls back to `default`, so this wins.
                field.required = True
        return fields
