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
