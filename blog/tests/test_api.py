from unittest.mock import ANY

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from blog import services
from blog.models import Post
from blog.schema_version import current_schema_version
from blog.tests.factories import (
    AuthorProfileFactory,
    CommentFactory,
    PostFactory,
    TagFactory,
)
from delegation.tests.factories import grant_user
from devtools.testing import Trail, assert_constant_queries_for_page_sizes

pytestmark = pytest.mark.django_db

POSTS = "/api/blog/posts/"


def _error(response) -> dict:
    return response.json()["error"]


@pytest.fixture
def many_posts() -> list[Post]:
    tags = [TagFactory(), TagFactory()]
    posts = PostFactory.create_batch(11, tags=tags)
    for post in posts:
        CommentFactory.create_batch(2, post=post)
    return posts


@pytest.mark.parametrize(
    "url", [POSTS, "/api/blog/tags/", "/api/blog/authors/", "/api/blog/posts/{slug}/comments/"]
)
def test_lists_cost_the_same_queries_at_any_page_size(
    api_client: APIClient, member_client: APIClient, many_posts: list[Post], url: str
) -> None:
    TagFactory.create_batch(10)
    post = many_posts[0]
    CommentFactory.create_batch(10, post=post)
    url = url.format(slug=post.slug)
    current_schema_version()  # read once per process every few seconds; not part of the page
    assert_constant_queries_for_page_sizes(api_client, url)
    assert_constant_queries_for_page_sizes(member_client, url)


def test_post_list_shape(api_client: APIClient) -> None:
    tag = TagFactory(slug="sql", name="SQL")
    post = PostFactory(tags=[tag], slug="hello", title="Hello")
    CommentFactory(post=post)

    row = api_client.get(POSTS).json()["results"][0]

    assert row["slug"] == "hello"
    assert row["author"] == {"slug": post.author.slug, "display_name": post.author.display_name}
    assert row["tags"] == [{"slug": "sql", "name": "SQL"}]
    assert row["comment_count"] == 1
    assert row["url"].endswith("/api/blog/posts/hello/")


def test_post_list_filters_search_and_ordering(api_client: APIClient) -> None:
    tag = TagFactory(slug="sql")
    author = AuthorProfileFactory()
    PostFactory(slug="a", title="Indexes explained", tags=[tag])
    PostFactory(slug="b", title="Locks", author=author)
    CommentFactory.create_batch(2, post=PostFactory(slug="c", title="Caching"))

    def slugs(**params: str) -> list[str]:
        return [row["slug"] for row in api_client.get(POSTS, params).json()["results"]]

    assert slugs(tag="sql") == ["a"]
    assert slugs(author=author.slug) == ["b"]
    assert slugs(search="index") == ["a"]
    assert slugs(ordering="-comment_count")[0] == "c"
    assert slugs(published_before="2000-01-01T00:00:00Z") == []


def test_drafts_are_hidden_from_others(api_client: APIClient, member_client: APIClient) -> None:
    PostFactory(slug="secret", status=Post.Status.DRAFT, published_at=None)

    assert api_client.get(POSTS).json()["count"] == 0
    response = member_client.get(f"{POSTS}secret/")
    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"


def test_create_needs_a_signed_in_user(api_client: APIClient) -> None:
    response = api_client.post(POSTS, {"title": "T", "body": "b"})
    assert response.status_code in (401, 403)
    assert "error" in response.json()


def test_member_creates_a_post(member_client: APIClient, member_user: User) -> None:
    body = {"title": "My first", "body": "Hi", "tags": ["Django"], "status": "published"}
    refused = member_client.post(POSTS, body)
    assert refused.status_code == 403
    assert _error(refused)["fields"] == {"status": [ANY]}
    grant_user(member_user, "blog.publish")

    response = member_client.post(POSTS, body)

    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["slug"], data["author"]["slug"], data["tags"][0]["slug"]) == (
        "my-first",
        "member",
        "django",
    )
    assert data["comments_url"].endswith("/api/blog/posts/my-first/comments/")


def test_invalid_post_is_a_400_naming_the_field(member_client: APIClient) -> None:
    response = member_client.post(POSTS, {"title": "", "body": "b", "status": "bogus"})

    assert response.status_code == 400
    assert set(_error(response)["fields"]) == {"title", "status"}


def test_only_the_author_or_staff_edit(
    member_client: APIClient, staff_client: APIClient, member_user: User
) -> None:
    other = PostFactory(slug="other")
    own = PostFactory(slug="own", author=AuthorProfileFactory(user=member_user))
    grant_user(member_user, "blog.publish")

    response = member_client.patch(f"{POSTS}other/", {"title": "Hijack"})
    assert response.status_code == 403
    assert _error(response)["code"] == "permission_denied"
    assert member_client.delete(f"{POSTS}other/").status_code == 403

    assert member_client.patch(f"{POSTS}own/", {"title": "Better"}).json()["title"] == "Better"
    assert staff_client.patch(f"{POSTS}other/", {"status": "draft"}).status_code == 200
    assert staff_client.delete(f"{POSTS}own/").status_code == 204
    other.refresh_from_db()
    assert other.status == Post.Status.DRAFT
    assert not Post.objects.filter(pk=own.pk).exists()


def test_comments_nested_under_their_post(member_client: APIClient) -> None:
    PostFactory(slug="open")
    PostFactory(slug="closed", status=Post.Status.DRAFT, published_at=None)
    url = f"{POSTS}open/comments/"

    created = member_client.post(url, {"body": "Great"})
    assert created.status_code == 201
    assert member_client.get(url).json()["results"][0]["body"] == "Great"
    assert member_client.post(url, {"body": ""}).status_code == 400
    assert member_client.post(f"{POSTS}closed/comments/", {"body": "x"}).status_code == 404


def test_a_thread_pages_oldest_first_by_cursor(api_client: APIClient) -> None:
    """A long thread's comments page by key: paging by number cost OFFSET and COUNT(*) per page."""
    post = PostFactory(slug="long")
    comments = CommentFactory.create_batch(5, post=post)
    url = f"{POSTS}long/comments/"
    body, seen = api_client.get(url, {"page_size": 2}).json(), []
    while True:
        seen += [row["id"] for row in body["results"]]
        if not body["next"]:
            break
        body = api_client.get(body["next"]).json()
    assert seen == [comment.pk for comment in comments] and "count" not in body
    assert api_client.get(url, {"page": 2}).status_code == 400


def test_comment_on_own_draft_is_a_conflict(member_client: APIClient, member_user: User) -> None:
    author = AuthorProfileFactory(user=member_user)
    PostFactory(slug="mine", author=author, status=Post.Status.DRAFT, published_at=None)

    response = member_client.post(f"{POSTS}mine/comments/", {"body": "note"})
    assert response.status_code == 409
    assert _error(response)["fields"] == {"post": ["Comments open once the post is published."]}


def test_bad_page_size_is_a_400(api_client: APIClient) -> None:
    response = api_client.get(POSTS, {"page_size": "lots"})
    assert response.status_code == 400
    assert "page_size" in _error(response)["fields"]


def test_schema_endpoint_when_current(api_client: APIClient) -> None:
    data = api_client.get("/api/blog/schema/").json()

    assert data["state"] == "current"
    assert data["applied"] == data["expected"]
    assert (data["pending"], data["command"]) == ([], None)
    assert data["history"][0]["name"] == "0001_initial"
    assert all(entry["applied"] and entry["applied_at"] for entry in data["history"])
    assert data["history"][-1]["name"] == data["expected"]


def test_deleting_a_post_with_comments_is_refused_naming_them_like_the_admin(
    staff_client: APIClient,
) -> None:
    post = PostFactory(slug="talked-about")
    CommentFactory.create_batch(2, post=post)

    response = staff_client.delete(f"{POSTS}talked-about/")

    assert response.status_code == 409
    assert _error(response)["code"] == "referenced"
    assert "2 comments" in _error(response)["message"]
    assert post.comments.count() == 2
    assert Post.objects.filter(pk=post.pk).exists()


def test_a_post_is_deleted_once_each_comment_was_removed_audited(
    staff_client: APIClient, staff_user: User
) -> None:
    post = PostFactory(slug="moderated")
    comments = CommentFactory.create_batch(2, post=post)
    ids = [comment.pk for comment in comments]
    trail = Trail()
    for comment in comments:
        services.comment_delete(actor=staff_user, comment=comment)

    assert staff_client.delete(f"{POSTS}moderated/").status_code == 204
    assert trail.audit() == [
        ("delete", "comment", ids[0]),
        ("delete", "comment", ids[1]),
        ("delete", "post", post.pk),
    ]
