import html

import pytest
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import ConnectionHandler
from django.test import Client

from blog.models import Post
from blog.schema_version import current_schema_version
from blog.tests.factories import CommentFactory, PostFactory, TagFactory
from devtools.testing import count_queries

pytestmark = pytest.mark.django_db


def _queries(client: Client, url: str) -> int:
    return count_queries(client, url)[0]


def _tagged_posts(count: int) -> list[Post]:
    tags = TagFactory.create_batch(2)
    posts = PostFactory.create_batch(count, tags=tags)
    for post in posts:
        CommentFactory(post=post)
    return posts


def test_post_list_queries_do_not_grow_with_posts(client: Client) -> None:
    current_schema_version()
    _tagged_posts(2)
    few = _queries(client, "/blog/")
    _tagged_posts(12)
    assert _queries(client, "/blog/") == few
    assert _queries(client, "/blog/?page=2") == few


def test_post_detail_queries_do_not_grow_with_comments(client: Client) -> None:
    current_schema_version()
    post = _tagged_posts(1)[0]
    url = f"/blog/posts/{post.slug}/"
    few = _queries(client, url)
    CommentFactory.create_batch(10, post=post)
    assert _queries(client, url) == few


def test_pages_show_posts_tags_and_comments(client: Client) -> None:
    tag = TagFactory(slug="sql", name="SQL")
    post = PostFactory(title="Indexes", slug="indexes", tags=[tag])
    CommentFactory(post=post, body="Thanks for this")

    listing = client.get("/blog/?tag=sql").content.decode()
    assert "Indexes" in listing and "#SQL" in listing and "1 comment" in listing
    assert "Thanks for this" in client.get("/blog/posts/indexes/").content.decode()


def test_drafts_are_404_to_others(client: Client) -> None:
    PostFactory(slug="draft", status=Post.Status.DRAFT, published_at=None)
    assert client.get("/blog/posts/draft/").status_code == 404


def test_schema_lab_lists_each_step_with_its_sql(client: Client) -> None:
    page = client.get("/blog/schema/").content.decode()

    assert "3. An author profile split out of the user" in page
    assert "0012_author_profile_contract" in page
    assert "CREATE UNIQUE INDEX CONCURRENTLY" in page  # PostgreSQL's SQL for 0005
    assert "The blog schema is current" in page


def _sqlite() -> BaseDatabaseWrapper:
    """A SQLite connection (in memory) beside the test database: the embedded default."""
    return ConnectionHandler(
        {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
    )["default"]


def test_schema_lab_shows_postgresql_sql_even_on_sqlite(client: Client, monkeypatch) -> None:
    monkeypatch.setattr("blog.views.connection", _sqlite())
    page = html.unescape(client.get("/blog/schema/").content.decode())

    # The statements the history documents, under the text that describes them ...
    assert 'CREATE UNIQUE INDEX CONCURRENTLY "blog_post_slug_uniq"' in page
    assert 'ADD CONSTRAINT "blog_post_slug_not_null" CHECK ("slug" IS NOT NULL) NOT VALID' in page
    # ... and, said plainly, what SQLite runs instead.
    assert "This site runs on SQLite, which does not do what the text promises." in page
    assert "What SQLite runs instead: <strong>a table rebuild</strong>" in page
    assert 'CREATE TABLE "new__blog_post"' in page
    rebuilds = page.split("migrations rebuild a table:", 1)[1].split("</p>", 1)[0]
    assert "0004_post_slug_status_contract" in rebuilds
    assert "0002_post_slug_status_expand" in rebuilds  # the "no table rewrite" step, on SQLite
    assert "0006_tag_expand" not in rebuilds  # new tables: nothing to rebuild


def test_schema_lab_on_postgresql_shows_no_sqlite_notice(client: Client) -> None:
    page = client.get("/blog/schema/").content.decode()
    assert "runs instead" not in page and "CONCURRENTLY" in page


def test_schema_lab_renders_markdown_code_as_code(client: Client) -> None:
    page = client.get("/blog/schema/").content.decode()
    assert "<code>manage.py migrate blog zero</code> drops the tables" in page
    assert "`" not in page.split("<main>", 1)[1].split("</main>", 1)[0]
