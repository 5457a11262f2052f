import pytest
from django.test import Client

from blog.models import Post
from blog.schema_version import current_schema_version
from blog.tests.factories import CommentFactory, PostFactory, TagFactory
from common.testing import count_queries

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
