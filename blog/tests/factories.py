"""factory-boy factories for the blog's tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

from blog.models import AuthorProfile, Comment, Post, Tag
from devtools.testing import ModelFactory


class UserFactory(ModelFactory[User]):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"writer{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Writer {n}")


class AuthorProfileFactory(ModelFactory[AuthorProfile]):
    class Meta:
        model = AuthorProfile
        django_get_or_create = ["user"]

    user = factory.SubFactory(UserFactory)
    display_name = factory.LazyAttribute(lambda profile: profile.user.get_full_name())
    slug = factory.LazyAttribute(lambda profile: profile.user.username)


class TagFactory(ModelFactory[Tag]):
    class Meta:
        model = Tag
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Tag {n}")
    slug = factory.Sequence(lambda n: f"tag-{n}")


class PostFactory(ModelFactory[Post]):
    class Meta:
        model = Post
        skip_postgeneration_save = True

    author = factory.SubFactory(AuthorProfileFactory)
    title = factory.Sequence(lambda n: f"Post {n}")
    slug = factory.Sequence(lambda n: f"post-{n}")
    body = "Some words about data."
    status = Post.Status.PUBLISHED
    published_at = factory.Sequence(lambda n: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=n))

    @factory.post_generation
    def tags(self, create: bool, extracted: list[Tag] | None, **kwargs: object) -> None:
        if create and extracted:
            self.tags.set(extracted)


class CommentFactory(ModelFactory[Comment]):
    class Meta:
        model = Comment

    post = factory.SubFactory(PostFactory)
    author_name = factory.Sequence(lambda n: f"Reader {n}")
    body = "Nice post."
