import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from blog import services
from blog.models import AuthorProfile, Post, Tag
from blog.tests.factories import PostFactory, UserFactory
from common.exceptions import ConflictError

pytestmark = pytest.mark.django_db


def test_post_create_makes_profile_slug_and_tags() -> None:
    user = UserFactory(username="ada", first_name="Ada", last_name="Lovelace")

    post = services.post_create(
        user=user,
        title="Hello, World!",
        body="b",
        tags=["SQL", " sql ", "Postgre  SQL", "!!"],
        status=Post.Status.PUBLISHED,
    )

    assert post.slug == "hello-world"
    assert post.published_at is not None
    assert (post.author.display_name, post.author.slug) == ("Ada Lovelace", "ada")
    assert sorted(post.tags.values_list("slug", "name")) == [
        ("postgre-sql", "Postgre SQL"),
        ("sql", "SQL"),
    ]


def test_post_create_gives_a_free_slug_and_reuses_the_profile() -> None:
    user = UserFactory()
    first = services.post_create(user=user, title="Same", body="b")
    second = services.post_create(user=user, title="Same", body="b")

    assert (first.slug, second.slug) == ("same", "same-2")
    assert second.published_at is None
    assert AuthorProfile.objects.count() == 1


def test_failed_post_create_leaves_nothing_behind() -> None:
    with pytest.raises(ValidationError) as raised:
        services.post_create(user=UserFactory(), title="T", body="b", tags=["x"], status="bogus")

    assert "status" in raised.value.message_dict
    assert (Post.objects.count(), AuthorProfile.objects.count(), Tag.objects.count()) == (0, 0, 0)


def test_post_update_by_author_keeps_slug_and_replaces_tags() -> None:
    post = PostFactory(title="Old", slug="old")
    post = services.post_update(post=post, user=post.author.user, title="New", tags=["a", "b"])

    post.refresh_from_db()
    assert (post.title, post.slug) == ("New", "old")
    assert sorted(post.tags.values_list("slug", flat=True)) == ["a", "b"]


def test_post_update_and_delete_refused_to_others_allowed_to_staff() -> None:
    post = PostFactory()
    stranger = UserFactory()
    with pytest.raises(PermissionDenied):
        services.post_update(post=post, user=stranger, title="Mine now")
    with pytest.raises(PermissionDenied):
        services.post_delete(post=post, user=stranger)

    staff = UserFactory(is_staff=True)
    services.post_update(post=post, user=staff, title="Edited by staff")
    services.post_delete(post=post, user=staff)
    assert not Post.objects.exists()


def test_comment_create_only_on_published_posts() -> None:
    reader = UserFactory(first_name="Rea", last_name="Der")
    draft = PostFactory(status=Post.Status.DRAFT, published_at=None)
    with pytest.raises(ConflictError):
        services.comment_create(post=draft, user=reader, body="first!")

    comment = services.comment_create(post=PostFactory(), user=reader, body="hello")
    assert (comment.author_name, comment.user) == ("Rea Der", reader)


def test_posts_publish_dates_drafts_only() -> None:
    published = PostFactory()
    date = published.published_at
    draft = PostFactory(status=Post.Status.DRAFT, published_at=None)

    assert services.posts_publish(posts=Post.objects.all()) == 1

    draft.refresh_from_db()
    published.refresh_from_db()
    assert draft.is_published and draft.published_at is not None
    assert published.published_at == date
