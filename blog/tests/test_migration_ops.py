"""The migration helpers: what they refuse, and how they batch and name."""

import pytest
from django.db import NotSupportedError, connection, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState

from blog.models import Tag
from blog.schema_version import code_history
from common.migration_ops import (
    AddCheckConstraintOnline,
    AddIndexConcurrentlyIfPostgres,
    AddUniqueConstraintConcurrently,
    SetNotNullOnline,
    pk_batches,
    unique_slugs,
)


def test_unique_slugs_suffix_clashes_with_the_key() -> None:
    wanted = [(1, "Hello"), (2, "hello!"), (3, "???"), (4, "Hi")]
    slugs = unique_slugs(wanted, lambda candidates: {"hi"} & candidates, 40, "post")
    assert slugs == {1: "hello", 2: "hello-2", 3: "post", 4: "hi-4"}


def test_unique_slugs_skip_a_suffixed_slug_already_taken() -> None:
    taken = {"hello", "hello-2"}
    slugs = unique_slugs([(2, "Hello")], lambda candidates: taken & candidates, 40, "post")
    assert slugs == {2: "hello-2-2"}


@pytest.mark.django_db
def test_pk_batches_walk_by_keyset_and_skip_rows_fixed_meanwhile() -> None:
    tags = [Tag.objects.create(name=f"t{n}", slug=f"t{n}") for n in range(5)]
    batches = []
    for pks in pk_batches(Tag.objects.filter(name__startswith="t"), size=2):
        batches.append(pks)
        Tag.objects.filter(pk__in=pks).update(name="done")
    assert batches == [[t.pk for t in tags[:2]], [t.pk for t in tags[2:4]], [tags[4].pk]]


def test_unique_constraint_concurrently_refuses_what_an_index_cannot_back() -> None:
    conditional = models.UniqueConstraint(
        fields=["slug"], condition=models.Q(name="x"), name="partial"
    )
    with pytest.raises(ValueError, match="plain UNIQUE"):
        AddUniqueConstraintConcurrently(model_name="tag", constraint=conditional)


@pytest.mark.django_db
def test_set_not_null_online_refuses_other_changes() -> None:
    state = MigrationLoader(None).project_state(("blog", code_history()[-1][0]))
    operation = SetNotNullOnline(
        model_name="post", name="published_at", field=models.DateTimeField(db_index=True)
    )
    with connection.schema_editor(collect_sql=True) as editor, pytest.raises(ValueError):
        operation.database_forwards("blog", editor, state, state)


def _tag_index() -> AddIndexConcurrentlyIfPostgres:
    index = models.Index(fields=["name"], name="blog_tag_name_test_idx")
    return AddIndexConcurrentlyIfPostgres(model_name="tag", index=index)


def _state() -> ProjectState:
    return MigrationLoader(None).project_state(("blog", code_history()[-1][0]))


@pytest.mark.django_db
def test_index_concurrently_builds_concurrently_on_postgresql() -> None:
    state = _state()
    with connection.schema_editor(collect_sql=True) as editor:
        _tag_index().database_forwards("blog", editor, state, state)
    assert editor.collected_sql == [
        'CREATE INDEX CONCURRENTLY "blog_tag_name_test_idx" ON "blog_tag" ("name");'
    ]


@pytest.mark.django_db
def test_index_concurrently_refuses_to_run_inside_a_transaction() -> None:
    state = _state()
    refused = pytest.raises(NotSupportedError, match="atomic = False")
    with transaction.atomic(), connection.schema_editor(atomic=False) as editor, refused:
        _tag_index().database_forwards("blog", editor, state, state)


def _unvalidated_checks() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'c' AND NOT convalidated"
            " AND connamespace = current_schema()::regnamespace ORDER BY conname"
        )
        return [name for (name,) in cursor.fetchall()]


@pytest.mark.django_db
def test_a_check_added_online_ends_validated() -> None:
    """NOT VALID, then VALIDATE: a check left unvalidated vouches for no row already there."""
    check = models.CheckConstraint(condition=~models.Q(name=""), name="blog_tag_name_test_check")
    state = _state()
    with connection.schema_editor() as editor:
        AddCheckConstraintOnline(model_name="tag", constraint=check).database_forwards(
            "blog", editor, state, state
        )
    assert _unvalidated_checks() == []
    assert "blog_tag_name_test_check" in connection.introspection.get_constraints(
        connection.cursor(), Tag._meta.db_table
    )


@pytest.mark.django_db
def test_every_check_the_migrations_added_online_is_validated() -> None:
    assert _unvalidated_checks() == []
