"""System check: warn at start-up when the database's blog schema is not the code's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Warning, register
from django.db import DatabaseError

from blog.schema_version import APP_LABEL, read_schema_version


@register()
def blog_schema_version(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    if app_configs is not None and all(config.label != APP_LABEL for config in app_configs):
        return []
    try:
        version = read_schema_version()
    except DatabaseError:
        return []  # an unreachable database is the health endpoint's news, not this check's
    if version.is_current or version.applied is None:
        # Never migrated at all: a fresh database, which Django's own "unapplied migrations"
        # notice covers; this check is about code and schema drifting apart.
        return []
    return [Warning(version.message, hint=f"Run: {version.command}", id="blog.W001")]
