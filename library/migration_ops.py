"""Migration operations that touch the schema on PostgreSQL only.

The app must migrate on SQLite too (the embedded default), but full-text and trigram indexes,
extensions and the generated search column are PostgreSQL features. The model state changes on
every database, so `makemigrations` sees models and migrations agree everywhere.
"""

from __future__ import annotations

from typing import Any

from django.db.migrations.operations.base import Operation


class PostgreSQLOnly(Operation):
    """Run `operation` against PostgreSQL; elsewhere run `fallback` (if any) on the schema."""

    def __init__(self, operation: Operation, fallback: Operation | None = None) -> None:
        self.operation = operation
        self.fallback = fallback

    def state_forwards(self, app_label: str, state: Any) -> None:
        self.operation.state_forwards(app_label, state)

    def _for(self, schema_editor: Any) -> Operation | None:
        if schema_editor.connection.vendor == "postgresql":
            return self.operation
        return self.fallback

    def database_forwards(self, app_label: str, schema_editor: Any, from_state, to_state) -> None:
        operation = self._for(schema_editor)
        if operation is not None:
            operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state, to_state) -> None:
        operation = self._for(schema_editor)
        if operation is not None:
            operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self) -> str:
        return f"{self.operation.describe()} (PostgreSQL only)"

    @property
    def reversible(self) -> bool:  # type: ignore[override]
        return self.operation.reversible
