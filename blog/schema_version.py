"""Which blog schema the code expects, which one the database holds, and what to do about it.

The expected version is the latest migration in blog/migrations, read from the migration loader
once per process (the code cannot change under a running process). The applied version comes
from `django_migrations`. Requests ask `current_schema_version()`, which re-reads the database at
most every RECHECK_SECONDS and at once after `migrate` (the `post_migrate` signal), so a request
costs no query in the common case and never builds a MigrationLoader.
"""

from __future__ import annotations

import inspect
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from common.exceptions import StoreUnavailable

APP_LABEL = "blog"
RECHECK_SECONDS = 5.0

CURRENT, BEHIND, AHEAD = "current", "behind", "ahead"


@dataclass(frozen=True)
class HistoryEntry:
    name: str
    description: str
    applied: bool
    applied_at: datetime | None


@dataclass(frozen=True)
class SchemaVersion:
    expected: str
    applied: str | None
    pending: tuple[str, ...]
    # Applied in the database but absent from this code: a newer release migrated it.
    unknown: tuple[str, ...]

    @property
    def state(self) -> str:
        if self.unknown:
            return AHEAD
        return BEHIND if self.pending else CURRENT

    @property
    def is_current(self) -> bool:
        return self.state == CURRENT

    @property
    def command(self) -> str:
        if self.state == AHEAD:
            return f"python manage.py migrate {APP_LABEL} {self.expected}"
        return f"python manage.py migrate {APP_LABEL}"

    @property
    def message(self) -> str:
        applied = self.applied or "none"
        if self.state == AHEAD:
            return (
                f"The blog schema is ahead of this code: the database has {applied}, the code "
                f"expects {self.expected}. Deploy the release that has {self.unknown[-1]}, or "
                f"roll the database back from that release with `{self.command}`."
            )
        if self.state == BEHIND:
            return (
                f"The blog schema is behind this code: the database has {applied}, the code "
                f"expects {self.expected} ({len(self.pending)} pending). Run `{self.command}`."
            )
        return f"The blog schema is current ({self.expected})."


class SchemaOutOfDate(StoreUnavailable):
    """The blog's tables are not the ones its code was written for: 503 until migrated."""

    default_code = "schema_out_of_date"


def migration_doc(module_name: str) -> str:
    """The docstring of a migration module: what it does and why."""
    return inspect.cleandoc(sys.modules[module_name].__doc__ or "")


def _description(module_name: str) -> str:
    doc = migration_doc(module_name)
    return doc.splitlines()[0] if doc else ""


@lru_cache(maxsize=1)
def code_history() -> tuple[tuple[str, str], ...]:
    """(name, description) of each blog migration this code has, in the order they apply."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    (leaf,) = graph.leaf_nodes(APP_LABEL)  # two leaves would be a conflict makemigrations catches
    return tuple(
        (name, _description(graph.nodes[(app, name)].__module__))
        for app, name in graph.forwards_plan(leaf)
        if app == APP_LABEL
    )


def applied_migrations(using: str = DEFAULT_DB_ALIAS) -> dict[str, datetime]:
    """Blog migrations recorded in the database, in the order they were applied."""
    recorder = MigrationRecorder(connections[using])
    if not recorder.has_table():
        return {}
    rows = recorder.migration_qs.filter(app=APP_LABEL).order_by("id")
    return dict(rows.values_list("name", "applied"))


def read_schema_version(using: str = DEFAULT_DB_ALIAS) -> SchemaVersion:
    """The state right now, from the database (one or two queries)."""
    return _version(applied_migrations(using))


def _version(applied: dict[str, datetime]) -> SchemaVersion:
    expected = [name for name, _ in code_history()]
    return SchemaVersion(
        expected=expected[-1],
        applied=next(reversed(applied), None),
        pending=tuple(name for name in expected if name not in applied),
        unknown=tuple(name for name in applied if name not in expected),
    )


def schema_history(using: str = DEFAULT_DB_ALIAS) -> list[HistoryEntry]:
    """Every migration the code has, then any the database has that the code does not."""
    return _history(applied_migrations(using))


def read_schema_state(using: str = DEFAULT_DB_ALIAS) -> tuple[SchemaVersion, list[HistoryEntry]]:
    """The version and the history from one read of `django_migrations`, so they agree."""
    applied = applied_migrations(using)
    return _version(applied), _history(applied)


def _history(applied: dict[str, datetime]) -> list[HistoryEntry]:
    known = [
        HistoryEntry(name, description, name in applied, applied.get(name))
        for name, description in code_history()
    ]
    names = {entry.name for entry in known}
    unknown = [
        HistoryEntry(name, "(not in this release)", True, applied_at)
        for name, applied_at in applied.items()
        if name not in names
    ]
    return known + unknown


_cached: tuple[float, SchemaVersion] | None = None


def current_schema_version() -> SchemaVersion:
    """The state as this process last read it, re-read after RECHECK_SECONDS or a migrate."""
    global _cached
    cached = _cached
    now = time.monotonic()
    if cached is not None and now - cached[0] < RECHECK_SECONDS:
        return cached[1]
    version = read_schema_version()
    _cached = (now, version)
    return version


def forget_schema_version(**kwargs: object) -> None:
    """Drop the cached state (connected to `post_migrate`), so the next request re-reads it."""
    global _cached
    _cached = None


def require_current_schema() -> None:
    """Raise SchemaOutOfDate (503, naming versions and the command) unless the schema is current."""
    version = current_schema_version()
    if not version.is_current:
        raise SchemaOutOfDate(
            version.message,
            state=version.state,
            applied=version.applied,
            expected=version.expected,
            pending=list(version.pending),
            command=version.command,
        )
