"""Round trips of every schema step on PostgreSQL: data carried forwards, and carried back.

Each test migrates the blog (only) to the step before, writes rows with the historical models,
migrates forwards and checks the data moved, then backwards and checks it came back. The
fixture returns the blog to its latest migration afterwards.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.apps.registry import Apps
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from common import migration_ops

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

Migrate = Callable[[str], Apps]


def _executor() -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    return executor


@pytest.fixture
def migrate(transactional_db: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Migrate]:
    """`migrate("0003_...")` moves the blog there and returns the historical models' registry."""
    # Small batches, so that every backfill runs over several of them.
    monkeypatch.setattr(migration_ops, "BATCH_SIZE", 2)

    def to(name: str) -> Apps:
        executor = _executor()
        executor.migrate([("blog", name)])
        return _executor().loader.project_state(("blog", name)).apps

    yield to
    executor = _executor()
    executor.migrate(executor.loader.graph.leaf_nodes())


def _historical(apps: Apps, app_label: str, model_name: str) -> Any:
    """A model as a migration state has it: built at run time, so its fields are untyped (and
    django-stubs would resolve the names against today's models, whose fields differ)."""
    return apps.get_model(app_label, model_name)


def _user(apps: Apps, username: str, first: str = "", last: str = "") -> Any:
    User = _historical(apps, "auth", "User")
    return User.objects.create(username=username, first_name=first, last_name=last)


def _forwards_function(module: str, name: str) -> Callable:
    return getattr(importlib.import_module(f"blog.migrations.{module}"), name)


def test_step1_slugs_and_status_backfilled_then_restored(migrate: Migrate) -> None:
    apps = migrate("0001_initial")
    Post = _historical(apps, "blog", "Post")
    user = _user(apps, "ada")
    rows = [("Hello World", True), ("Hello world!", False), ("¡¡!!", True), ("Second", False)]
    for title, published in rows:
        Post.objects.create(user=user, title=title, body="b", published=published)
    created = dict(Post.objects.values_list("title", "created_at"))

    apps = migrate("0005_post_slug_unique_concurrently")
    Post = _historical(apps, "blog", "Post")
    posts = {post.title: post for post in Post.objects.order_by("pk")}
    second_hello = posts["Hello world!"]
    assert [post.slug for post in posts.values()] == [
        "hello-world",
        f"hello-world-{second_hello.pk}",
        "post",
        "second",
    ]
    assert {title: post.status for title, post in posts.items()} == {
        "Hello World": "published",
        "Hello world!": "draft",
        "¡¡!!": "published",
        "Second": "draft",
    }
    assert posts["Hello World"].published_at == created["Hello World"]
    assert second_hello.published_at is None

    apps = migrate("0001_initial")
    Post = _historical(apps, "blog", "Post")
    assert sorted(Post.objects.values_list("title", "published")) == sorted(rows)


def test_step1_backfill_is_safe_to_run_twice(migrate: Migrate) -> None:
    apps = migrate("0002_post_slug_status_expand")
    Post = _historical(apps, "blog", "Post")
    user = _user(apps, "ada")
    for title in ["Same", "Same", "Same"]:
        Post.objects.create(user=user, title=title, body="b", published=True)
    fill = _forwards_function("0003_post_slug_status_backfill", "fill_slug_and_status")

    fill(apps, None)
    first = list(Post.objects.order_by("pk").values_list("slug", "status", "published_at"))
    fill(apps, None)

    assert list(Post.objects.order_by("pk").values_list("slug", "status", "published_at")) == first
    assert len({slug for slug, _, _ in first}) == 3


def test_step1_backfill_resumes_after_a_crash(
    migrate: Migrate, monkeypatch: pytest.MonkeyPatch
) -> None:
    apps = migrate("0002_post_slug_status_expand")
    Post = _historical(apps, "blog", "Post")
    user = _user(apps, "ada")
    for number in range(5):
        Post.objects.create(user=user, title=f"Post {number}", body="b", published=True)
    module = importlib.import_module("blog.migrations.0003_post_slug_status_backfill")
    real_unique_slugs = module.unique_slugs
    calls = []

    def crash_on_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the machine went away")
        return real_unique_slugs(*args, **kwargs)

    monkeypatch.setattr(module, "unique_slugs", crash_on_second_batch)
    with pytest.raises(RuntimeError):
        module.fill_slug_and_status(apps, None)
    # The first batch committed; the failed one left nothing half-done.
    assert Post.objects.filter(slug__isnull=False).count() == 2
    assert not Post.objects.filter(slug__isnull=True, status="published").exists()

    monkeypatch.setattr(module, "unique_slugs", real_unique_slugs)
    module.fill_slug_and_status(apps, None)
    assert sorted(Post.objects.values_list("slug", flat=True)) == [f"post-{n}" for n in range(5)]


def test_step2_tags_copied_to_table_then_back_to_text(migrate: Migrate) -> None:
    apps = migrate("0005_post_slug_unique_concurrently")
    Post = _historical(apps, "blog", "Post")
    user = _user(apps, "ada")
    lists = {"a": "Django, SQL", "b": " django ,,PostgreSQL ", "c": "", "d": "sql"}
    for slug, tag_list in lists.items():
        Post.objects.create(user=user, title=slug, slug=slug, body="b", tag_list=tag_list)

    apps = migrate("0008_tag_contract")
    Tag = _historical(apps, "blog", "Tag")
    Post = _historical(apps, "blog", "Post")
    assert sorted(Tag.objects.values_list("slug", "name")) == [
        ("django", "Django"),
        ("postgresql", "PostgreSQL"),
        ("sql", "SQL"),
    ]
    links = {
        post.slug: sorted(post.tags.values_list("slug", flat=True)) for post in Post.objects.all()
    }
    assert links == {"a": ["django", "sql"], "b": ["django", "postgresql"], "c": [], "d": ["sql"]}

    apps = migrate("0005_post_slug_unique_concurrently")
    Post = _historical(apps, "blog", "Post")
    assert dict(Post.objects.values_list("slug", "tag_list")) == {
        "a": "Django, SQL",
        "b": "Django, PostgreSQL",
        "c": "",
        "d": "SQL",
    }


def test_step2_tag_copy_is_safe_to_run_twice(migrate: Migrate) -> None:
    apps = migrate("0007_tag_copy")
    Post = _historical(apps, "blog", "Post")
    Tag = _historical(apps, "blog", "Tag")
    user = _user(apps, "ada")
    Post.objects.create(user=user, title="t", slug="t", body="b", tag_list="x, y")
    copy = _forwards_function("0007_tag_copy", "copy_tags_to_table")

    copy(apps, None)
    copy(apps, None)

    assert Tag.objects.count() == 2
    assert Post.tags.through.objects.count() == 2


def test_step3_author_profiles_split_out_then_folded_back(migrate: Migrate) -> None:
    apps = migrate("0008_tag_contract")
    Post = _historical(apps, "blog", "Post")
    ada = _user(apps, "ada", "Ada", "Lovelace")
    bob = _user(apps, "Bob")
    bob_lower = _user(apps, "bob")
    when = datetime(2026, 1, 1, tzinfo=UTC)
    owners = {"p1": ada, "p2": ada, "p3": bob, "p4": bob_lower, "p5": ada}
    for slug, owner in owners.items():
        Post.objects.create(
            user=owner, title=slug, slug=slug, body="b", status="published", published_at=when
        )

    apps = migrate("0012_author_profile_contract")
    Post = _historical(apps, "blog", "Post")
    AuthorProfile = _historical(apps, "blog", "AuthorProfile")
    profiles = {p.user_id: (p.display_name, p.slug) for p in AuthorProfile.objects.all()}
    assert profiles == {
        ada.pk: ("Ada Lovelace", "ada"),
        bob.pk: ("Bob", "bob"),
        bob_lower.pk: ("bob", f"bob-{bob_lower.pk}"),
    }
    authors = dict(Post.objects.values_list("slug", "author__user_id"))
    assert authors == {slug: owner.pk for slug, owner in owners.items()}

    apps = migrate("0008_tag_contract")
    Post = _historical(apps, "blog", "Post")
    assert dict(Post.objects.values_list("slug", "user_id")) == {
        slug: owner.pk for slug, owner in owners.items()
    }


def test_whole_history_round_trip_from_zero(migrate: Migrate) -> None:
    apps = migrate("0001_initial")
    Post = _historical(apps, "blog", "Post")
    Comment = _historical(apps, "blog", "Comment")
    user = _user(apps, "ada")
    post = Post.objects.create(user=user, title="Hi", body="b", tag_list="one", published=True)
    Comment.objects.create(post=post, author_name="Bo", body="nice")

    executor = _executor()
    latest = executor.loader.graph.leaf_nodes("blog")[0][1]
    apps = migrate(latest)
    Post = _historical(apps, "blog", "Post")
    post = Post.objects.get()
    assert (post.slug, post.status, post.author.user_id) == ("hi", "published", user.pk)
    assert list(post.tags.values_list("name", flat=True)) == ["one"]
    assert post.comments.get().author_name == "Bo"

    apps = migrate("0001_initial")
    Post = _historical(apps, "blog", "Post")
    assert list(Post.objects.values_list("title", "tag_list", "published", "user_id")) == [
        ("Hi", "one", True, user.pk)
    ]


def _manage(database_url: str, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": ""}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    result = subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_history_round_trips_on_sqlite_the_embedded_default(tmp_path: Path) -> None:
    """The PostgreSQL-only operations fall back to ordinary ones on SQLite, both ways."""
    url = f"sqlite:///{tmp_path / 'blog.sqlite3'}"
    count = "from blog.models import Post; print(Post.objects.filter(tags__isnull=False).count())"
    _manage(url, "migrate", "--no-input", "-v0")
    _manage(url, "seed_demo", "--size", "small")
    before = _manage(url, "shell", "-v0", "-c", count)

    _manage(url, "migrate", "blog", "0001_initial", "-v0")
    _manage(url, "migrate", "blog", "-v0")

    assert _manage(url, "shell", "-v0", "-c", count) == before
    assert int(before) > 0
