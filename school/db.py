"""Migration operations for indexes only PostgreSQL has, so the schema still migrates on SQLite."""

from __future__ import annotations

from typing import Any

from django.db import migrations


class AddIndexOnPostgres(migrations.AddIndex):
    """`AddIndex` that builds the index on PostgreSQL and skips other databases.

    The model state always records the index, so `makemigrations --check` stays clean everywhere.
    """

    def database_forwards(self, app_label: str, schema_editor: Any, *args: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, *args)

    def database_backwards(self, app_label: str, schema_editor: Any, *args: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, *args)
