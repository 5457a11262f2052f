import pytest
from django.core.exceptions import ValidationError

from blog import services
from blog.models import AuthorProfile, Post, Tag
from blog.tests.factories import PostFactory, UserFactory
from common.exceptions import ConflictError, ForbiddenError
from common.models import AuditEntry
from delegation.tests.factories import grant_user

pytestmark = pytest.mark.django_db


def test_post_create_makes_profile_slug_and_tags() -> None:
    user = UserFactory(username="ada", first_name="Ada", last_name="Lovelace")
    grant_user(user, "blog.publish")

    post = services.post_create(
        actor=user,
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
    first = services.post_create(actor=user, title="Same", body="b")
    second = services.post_create(actor=user, title="Same", body="b")

    assert (first.slug, second.slug) == ("same", "same-2")
    assert second.published_at is None
    assert AuthorProfile.objects.count() == 1


def test_failed_post_create_leaves_nothing_behind() -> None:
    with pytest.raises(ValidationError) as raised:
        services.post_create(actor=UserFactory(), title="T", body="b", tags=["x"], status="bogus")

    assert "status" in raised.value.message_dict
    assert (Post.objects.count(), AuthorProfile.objects.count(), Tag.objects.count()) == (0, 0, 0)


def test_post_update_by_author_keeps_slug_and_replaces_tags() -> None:
    post = PostFactory(title="Old", slug="old")
    grant_user(post.author.user, "blog.publish")
    post = services.post_update(actor=post.author.user, post=post, title="New", tags=["a", "b"])

    post.refresh_from_db()
    assert (post.title, post.slug) == ("New", "old")
    assert sorted(post.tags.values_list("slug", flat=True)) == ["a", "b"]


def test_post_update_and_delete_refused_to_others_allowed_to_staff() -> None:
    post = PostFactory()
    stranger = UserFactory()
    with pytest.raises(ForbiddenError):
        services.post_update(actor=stranger, post=post, title="Mine now")
    with pytest.raises(ForbiddenError):
        services.post_delete(actor=stranger, post=post)

    staff = UserFactory(is_staff=True)
    services.post_update(actor=staff, post=post, title="Edited by staff")
    services.post_delete(actor=staff, post=post)
    assert not Post.objects.exists()


def test_comment_create_only_on_published_posts() -> None:
    reader = UserFactory(first_name="Rea", last_name="Der")
    draft = PostFactory(status=Post.Status.DRAFT, published_at=None)
    with pytest.raises(ConflictError):
        services.comment_create(actor=reader, post=draft, body="first!")

    comment = services.comment_create(actor=reader, post=PostFactory(), body="hello")
    assert (comment.author_name, comment.user) == ("Rea Der", reader)


def test_posts_publish_dates_drafts_only() -> None:
    published = PostFactory()
    date = published.published_at
    draft = PostFactory(status=Post.Status.DRAFT, published_at=None)

    assert services.posts_publish(actor=None, posts=Post.objects.all()) == 1

    draft.refresh_from_db()
    published.refresh_from_db()
    assert draft.is_published and draft.published_at is not None
    assert published.published_at == date


def entries(entity: str) -> list[tuple[str, int | None]]:
    rows = AuditEntry.objects.filter(entity=entity).order_by("id")
    return list(rows.values_list("action", "actor"))


def test_every_write_is_audited_with_its_actor() -> None:
    author, reader, staff = UserFactory(), UserFactory(), UserFactory(is_staff=True)
    grant_user(author, "blog.publish")
    post = services.post_create(actor=author, title="T", body="b")
    services.post_update(actor=author, post=post, tags=["sql"])
    services.posts_publish(actor=staff, posts=Post.objects.all())
    post.refresh_from_db()
    comment = services.comment_create(actor=reader, post=post, body="hello")
    services.post_update(actor=author, post=post, body="better")
    services.comment_delete(actor=staff, comment=comment)
    services.post_delete(actor=staff, post=post)

    assert entries("authorprofile") == [("create", author.pk)]
    assert entries("post") == [
        ("create", author.pk),
        ("update", author.pk),
        ("update", staff.pk),
        ("update", author.pk),
        ("delete", staff.pk),
    ]
    assert entries("comment") == [("create", reader.pk), ("delete", staff.pk)]
    created, tagged = AuditEntry.objects.filter(entity="post").order_by("id")[:2]
    assert created.after is not None and tagged.before is not None and tagged.after is not None
    assert (created.after["tags"], tagged.before["tags"], tagged.after["tags"]) == ([], [], ["sql"])
    published = AuditEntry.objects.filter(entity="post", actor=staff, action="update").get()
    assert published.before is not None and published.after is not None
    assert (published.before["status"], published.after["status"]) == ("draft", "published")


def test_anonymous_and_system_actors_cannot_author() -> None:
    with pytest.raises(ForbiddenError):
        services.post_create(actor=None, title="T", body="b")
    with pytest.raises(ForbiddenError):
        services.comment_create(actor=None, post=PostFactory(), body="hello")
    assert not AuditEntry.objects.exists()


def test_author_profile_ensure_creates_once() -> None:
    user = UserFactory()
    first = services.author_profile_ensure(actor=user, user=user)
    assert services.author_profile_ensure(actor=user, user=user) == first
    assert entries("authorprofile") == [("create", user.pk)]


def test_publishing_needs_blog_publish_on_create_and_update() -> None:
    writer = UserFactory()
    with pytest.raises(ForbiddenError) as refused:
        services.post_create(actor=writer, title="T", body="b", status=Post.Status.PUBLISHED)
    assert refused.value.field == "status"
    draft = services.post_create(actor=writer, title="T", body="b")
    with pytest.raises(ForbiddenError):
        services.post_update(actor=writer, post=draft, status=Post.Status.PUBLISHED)
    published = PostFactory(author=draft.author)
    with pytest.raises(ForbiddenError):
        services.post_update(actor=writer, post=published, body="changed while public")
    assert services.post_update(actor=writer, post=published, status=Post.Status.DRAFT)

    grant_user(writer, "blog.publish")
    assert services.post_update(actor=writer, post=draft, status=Post.Status.PUBLISHED)
