import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.test import APIClient

from blog import selectors
from blog.models import Post
from blog.tests.factories import CommentFactory, PostFactory, TagFactory, UserFactory
from common.exceptions import NotFoundError

pytestmark = pytest.mark.django_db


@pytest.fixture
def posts() -> dict[str, Post]:
    draft = PostFactory(slug="draft", status=Post.Status.DRAFT, published_at=None)
    return {"draft": draft, "older": PostFactory(slug="older"), "newer": PostFactory(slug="newer")}


def _slugs(queryset) -> list[str]:
    return [post.slug for post in queryset]


def test_anonymous_sees_published_newest_first(posts: dict[str, Post]) -> None:
    assert _slugs(selectors.post_list(viewer=AnonymousUser())) == ["newer", "older"]


def test_author_sees_own_drafts_first_staff_sees_all(posts: dict[str, Post]) -> None:
    author = posts["draft"].author.user
    assert _slugs(selectors.post_list(viewer=author)) == ["draft", "newer", "older"]
    assert _slugs(selectors.post_list(viewer=UserFactory())) == ["newer", "older"]
    assert len(selectors.post_list(viewer=UserFactory(is_staff=True))) == 3


def test_post_detail_hides_drafts_from_others(posts: dict[str, Post]) -> None:
    with pytest.raises(NotFoundError):
        selectors.post_detail(slug="draft", viewer=AnonymousUser())
    assert selectors.post_detail(slug="draft", viewer=posts["draft"].author.user)


def test_comment_count_per_post(posts: dict[str, Post]) -> None:
    CommentFactory.create_batch(3, post=posts["older"])
    counts = {p.slug: p.comment_count for p in selectors.post_list(viewer=AnonymousUser())}
    assert counts == {"newer": 0, "older": 3}


def test_tag_and_author_counts_are_of_published_posts() -> None:
    tag = TagFactory(slug="sql")
    PostFactory(tags=[tag])
    PostFactory(tags=[tag], status=Post.Status.DRAFT, published_at=None)

    assert [(t.slug, t.post_count) for t in selectors.tag_list()] == [("sql", 1)]
    assert [a.post_count for a in selectors.author_list()] == [1]


def test_an_author_whose_only_post_is_a_draft_is_not_listed() -> None:
    PostFactory(status=Post.Status.DRAFT, published_at=None)
    published = PostFactory()

    assert [a.pk for a in selectors.author_list()] == [published.author_id]
    listed = APIClient().get("/api/blog/authors/").json()["results"]
    assert [row["slug"] for row in listed] == [published.author.slug]


def test_post_comments_oldest_first() -> None:
    post = PostFactory()
    first, second = CommentFactory(post=post), CommentFactory(post=post)
    assert list(selectors.post_comments(post=post)) == [first, second]
