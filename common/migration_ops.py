"""Migration operations every app's migrations share: PostgreSQL-only schema, online constraint
and index builds, and batched, idempotent backfills.

The apps must migrate on SQLite too (the embedded default), but GIN and trigram indexes,
extensions, generated search columns and concurrent builds are PostgreSQL features. Each
operation records its model state on every database, so `makemigrations --check` sees models and
migrations agree everywhere, and touches the schema as the database allows: the PostgreSQL
operation there, the ordinary one (or a given fallback, or nothing) elsewhere.

Historical migrations of library, school and blog import this module, so it must stay backwards
compatible: change an operation's behaviour only by adding a new one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from django.db import NotSupportedError
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.operations import AddConstraint, AddIndex, AlterField
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ProjectState
from django.db.models import Field, Model, QuerySet, UniqueConstraint
from django.utils.text import slugify

# Rows per backfill batch: each batch is one short transaction, so locks are held briefly and a
# failed run resumes where it stopped.
BATCH_SIZE = 500


def _is_postgres(schema_editor: BaseDatabaseSchemaEditor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


class PostgreSQLOnly(Operation):
    """Run `operation` against PostgreSQL; elsewhere run `fallback` (if any) on the schema.

    The state is `operation`'s on every database (e.g. a GIN index SQLite cannot build is still
    part of the model state).
    """

    def __init__(self, operation: Operation, fallback: Operation | None = None) -> None:
        self.operation = operation
        self.fallback = fallback

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        self.operation.state_forwards(app_label, state)

    def _for(self, schema_editor: BaseDatabaseSchemaEditor) -> Operation | None:
        return self.operation if _is_postgres(schema_editor) else self.fallback

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        operation = self._for(schema_editor)
        if operation is not None:
            operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        operation = self._for(schema_editor)
        if operation is not None:
            operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self) -> str:
        return f"{self.operation.describe()} (PostgreSQL only)"

    @property
    def reversible(self) -> bool:  # type: ignore[override]
        return self.operation.reversible


def _refuse_in_transaction(operation: Operation, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """PostgreSQL cannot build an index concurrently inside a transaction: say so up front.

    Only collecting SQL (sqlmigrate, the blog's schema page) runs nothing, in a transaction or not.
    """
    if schema_editor.connection.in_atomic_block and not schema_editor.collect_sql:
        raise NotSupportedError(
            f"{type(operation).__name__} cannot run inside a transaction (atomic = False)."
        )


class AddIndexConcurrentlyIfPostgres(AddIndex):
    """`CREATE INDEX CONCURRENTLY` on PostgreSQL (writes go on); a plain index elsewhere.

    The migration using it must set `atomic = False`: PostgreSQL cannot build an index
    concurrently inside a transaction. Built on the schema editor's public
    `add_index(..., concurrently=True)`, as Django's own `AddIndexConcurrently` is.
    """

    def describe(self) -> str:
        return f"Create index {self.index.name} concurrently on PostgreSQL"

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        if not _is_postgres(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)
            return
        self._concurrently(app_label, schema_editor, to_state, schema_editor.add_index)

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        if not _is_postgres(schema_editor):
            super().database_backwards(app_label, schema_editor, from_state, to_state)
            return
        self._concurrently(app_label, schema_editor, from_state, schema_editor.remove_index)

    def _concurrently(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        state: ProjectState,
        change: Callable[..., None],
    ) -> None:
        """`change` (the editor's add_index or remove_index) the index, CONCURRENTLY."""
        _refuse_in_transaction(self, schema_editor)
        model = state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            change(model, self.index, concurrently=True)


class _OnlineConstraint(AddConstraint):
    """An AddConstraint that PostgreSQL runs through `_add_online`; elsewhere the stock one."""

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        if not _is_postgres(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)
            return
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            self._add_online(schema_editor, model)

    def _add_online(self, schema_editor: BaseDatabaseSchemaEditor, model: type[Model]) -> None:
        raise NotImplementedError


def _column(model: type[Model], field_name: str) -> str:
    field = model._meta.get_field(field_name)
    assert isinstance(field, Field) and field.column, f"{field_name} is not a concrete column"
    return field.column


class AddUniqueConstraintConcurrently(_OnlineConstraint):
    """A plain-column UNIQUE constraint whose index PostgreSQL builds without blocking writes.

    PostgreSQL: `CREATE UNIQUE INDEX CONCURRENTLY`, then `ADD CONSTRAINT ... UNIQUE USING INDEX`,
    which only takes a brief lock. Elsewhere: an ordinary AddConstraint. Needs `atomic = False`.
    An invalid index left by a failed concurrent build is dropped first, so a rerun succeeds.
    """

    constraint: UniqueConstraint

    def __init__(self, model_name: str, constraint: UniqueConstraint) -> None:
        # `include` is missing from django-stubs' UniqueConstraint, though Django has it.
        if constraint.condition or constraint.expressions or getattr(constraint, "include", ()):
            raise ValueError("only a plain UNIQUE (fields) constraint can be attached to an index")
        super().__init__(model_name, constraint)

    def describe(self) -> str:
        return f"Create unique constraint {self.constraint.name} concurrently on PostgreSQL"

    def _add_online(self, schema_editor: BaseDatabaseSchemaEditor, model: type[Model]) -> None:
        _refuse_in_transaction(self, schema_editor)
        quote = schema_editor.quote_name
        table = quote(model._meta.db_table)
        name = quote(self.constraint.name)
        columns = ", ".join(quote(_column(model, field)) for field in self.constraint.fields)
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
        schema_editor.execute(f"CREATE UNIQUE INDEX CONCURRENTLY {name} ON {table} ({columns})")
        schema_editor.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE USING INDEX {name}"
        )


class AddCheckConstraintOnline(_OnlineConstraint):
    """A CHECK constraint added NOT VALID, then validated: writes go on during the scan.

    PostgreSQL: `ADD CONSTRAINT ... NOT VALID` takes the table lock only for an instant, and
    `VALIDATE CONSTRAINT` scans under a lock that lets rows be written. Needs `atomic = False`,
    or the first lock is held through the scan. Rerunnable after a failure. Elsewhere: an
    ordinary AddConstraint.
    """

    def describe(self) -> str:
        return f"Create constraint {self.constraint.name} NOT VALID, then validate it"

    def _add_online(self, schema_editor: BaseDatabaseSchemaEditor, model: type[Model]) -> None:
        table = schema_editor.quote_name(model._meta.db_table)
        name = schema_editor.quote_name(self.constraint.name)
        schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")
        schema_editor.execute(f"{self.constraint.create_sql(model, schema_editor)} NOT VALID")
        schema_editor.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {name}")


class SetNotNullOnline(AlterField):
    """Make a nullable column NOT NULL without scanning the table under an exclusive lock.

    PostgreSQL 12+: a `CHECK (column IS NOT NULL)` added NOT VALID and validated (writes go on)
    lets `SET NOT NULL` skip its own scan; the helper constraint is then dropped. Backwards is
    `DROP NOT NULL`, instant. Only nullability may change; needs `atomic = False`. Elsewhere
    (SQLite): an ordinary AlterField, which rebuilds the table.
    """

    def describe(self) -> str:
        return f"Set {self.model_name}.{self.name} NOT NULL via a validated check"

    def _column(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState
    ) -> tuple[str, str, str]:
        model = from_state.apps.get_model(app_label, self.model_name)
        before = model._meta.get_field(self.name)
        _, _, _, old = before.deconstruct()
        _, _, _, new = self.field.clone().deconstruct()
        if {**old, "null": False} != {**new, "null": False} or not old.get("null"):
            raise ValueError(f"{type(self).__name__} may only drop NULL from {self.name}")
        quote = schema_editor.quote_name
        table = model._meta.db_table
        check = f"{table}_{before.column}_not_null"[:63]
        return quote(table), quote(before.column), quote(check)

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        if not _is_postgres(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)
            return
        table, column, check = self._column(app_label, schema_editor, from_state)
        for sql in [
            f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {check}",
            f"ALTER TABLE {table} ADD CONSTRAINT {check} CHECK ({column} IS NOT NULL) NOT VALID",
            f"ALTER TABLE {table} VALIDATE CONSTRAINT {check}",
            f"ALTER TABLE {table} ALTER COLUMN {column} SET NOT NULL",
            f"ALTER TABLE {table} DROP CONSTRAINT {check}",
        ]:
            schema_editor.execute(sql)

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        if not _is_postgres(schema_editor):
            super().database_backwards(app_label, schema_editor, from_state, to_state)
            return
        table, column, _ = self._column(app_label, schema_editor, to_state)
        schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} DROP NOT NULL")


def pk_batches(queryset: QuerySet, size: int | None = None) -> Iterator[list[int]]:
    """Primary keys of `queryset` in ascending batches, by keyset (never the whole table at once).

    The queryset is re-evaluated for each batch, so rows a batch has just fixed (and that the
    filter now excludes) are simply skipped.
    """
    size = size or BATCH_SIZE
    last = None
    while True:
        page = queryset.order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        pks = list(page.values_list("pk", flat=True)[:size])
        if not pks:
            return
        yield pks
        last = pks[-1]


def unique_slugs(
    wanted: Iterable[tuple[int, str]],
    taken: Callable[[set[str]], set[str]],
    max_length: int,
    fallback: str,
) -> dict[int, str]:
    """A unique slug per `(key, text)`: the slug of `text`, or `<slug>-<key>` when it is taken.

    `taken(candidates)` answers which candidates the database already holds. Slugs given earlier
    in the same call count as taken too. Deterministic: the same rows get the same slugs.
    """
    wanted = list(wanted)
    bases = {key: slugify(text)[: max_length - 21].strip("-") or fallback for key, text in wanted}
    used = taken(set(bases.values()))
    slugs: dict[int, str] = {}
    for key, _text in wanted:
        candidate = bases[key]
        if candidate in used:
            candidate = _suffixed(f"{bases[key]}-{key}", taken, used)
        used.add(candidate)
        slugs[key] = candidate
    return slugs


def _suffixed(candidate: str, taken: Callable[[set[str]], set[str]], used: set[str]) -> str:
    number = 1
    base = candidate
    while candidate in used or taken({candidate}):
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def model_field_values(model: type[Model], field: str, values: set[str]) -> set[str]:
    """Which of `values` rows of `model` already hold in `field`."""
    rows = model._default_manager.filter(**{f"{field}__in": values})
    return set(rows.values_list(field, flat=True))
