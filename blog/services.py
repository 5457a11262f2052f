"""Writes of the blog: posts, comments, tags and author profiles."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify

from blog.models import AuthorProfile, Comment, Post, Tag
from common.exceptions import ConflictError

TAG_NAME_LENGTH = Tag._meta.get_field("name").max_length
TAG_SLUG_LENGTH = Tag._meta.get_field("slug").max_length
POST_SLUG_LENGTH = Post._meta.get_field("slug").max_length
AUTHOR_SLUG_LENGTH = AuthorProfile._meta.get_field("slug").max_length


def _display_name(user: AbstractBaseUser) -> str:
    full_name = getattr(user, "get_full_name", lambda: "")()
    return full_name or user.get_username()


def _free_slug(model: type[AuthorProfile | Post], text: str, max_length: int, fallback: str) -> str:
    """The slug of `text`, or `<slug>-2`, `-3`... when taken (the unique constraint decides)."""
    base = slugify(text)[: max_length - 8].strip("-") or fallback
    candidate, number = base, 1
    while model.objects.filter(slug=candidate).exists():
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def author_profile_for(*, user: AbstractBaseUser) -> AuthorProfile:
    """The user's byline, created on their first post."""
    profile = AuthorProfile.objects.filter(user=user).first()
    if profile is not None:
        return profile
    profile = AuthorProfile(
        user=user,
        display_name=_display_name(user),
        slug=_free_slug(AuthorProfile, user.get_username(), AUTHOR_SLUG_LENGTH, "author"),
    )
    profile.full_clean()
    profile.save()
    return profile


def normalize_tag_names(names: Iterable[str]) -> dict[str, str]:
    """{slug: name}: whitespace collapsed, one entry per slug (first spelling wins)."""
    tags: dict[str, str] = {}
    for raw in names:
        name = " ".join(raw.split())[:TAG_NAME_LENGTH]
        slug = slugify(name)[:TAG_SLUG_LENGTH]
        if slug:
            tags.setdefault(slug, name)
    return tags


def tags_resolve(*, names: Iterable[str]) -> list[Tag]:
    """The tags named, created when new (matched by slug, so "SQL" and "sql" are one tag)."""
    wanted = normalize_tag_names(names)
    Tag.objects.bulk_create(
        [Tag(slug=slug, name=name) for slug, name in wanted.items()], ignore_conflicts=True
    )
    return list(Tag.objects.filter(slug__in=wanted).order_by("name"))


def _ensure_can_edit(post: Post, user: AbstractBaseUser) -> None:
    if not (user.is_staff or post.author.user_id == user.pk):
        raise PermissionDenied("Only the post's author or staff may change it.")


def _save_post(post: Post) -> None:
    post.full_clean()
    try:
        with transaction.atomic():
            post.save()
    except IntegrityError as error:
        # A concurrent post took the same slug between the check and the insert.
        raise ConflictError("A post with this slug already exists.", field="title") from error


@transaction.atomic
def post_create(
    *,
    user: AbstractBaseUser,
    title: str,
    body: str,
    tags: Iterable[str] = (),
    status: str = Post.Status.DRAFT,
) -> Post:
    post = Post(
        author=author_profile_for(user=user),
        title=title,
        body=body,
        status=status,
        slug=_free_slug(Post, title, POST_SLUG_LENGTH, "post"),
    )
    _save_post(post)
    post.tags.set(tags_resolve(names=tags))
    return post


@transaction.atomic
def post_update(
    *,
    post: Post,
    user: AbstractBaseUser,
    title: str | None = None,
    body: str | None = None,
    status: str | None = None,
    tags: Iterable[str] | None = None,
) -> Post:
    """Change what is given. The slug stays: links to the post keep working after a retitle."""
    _ensure_can_edit(post, user)
    changes = {"title": title, "body": body, "status": status}
    for field, value in changes.items():
        if value is not None:
            setattr(post, field, value)
    _save_post(post)
    if tags is not None:
        post.tags.set(tags_resolve(names=tags))
    return post


@transaction.atomic
def post_delete(*, post: Post, user: AbstractBaseUser) -> None:
    _ensure_can_edit(post, user)
    post.delete()


@transaction.atomic
def comment_create(*, post: Post, user: AbstractBaseUser, body: str) -> Comment:
    if not post.is_published:
        raise ConflictError("Comments open once the post is published.", field="post")
    comment = Comment(post=post, user=user, author_name=_display_name(user), body=body)
    comment.full_clean()
    comment.save()
    return comment


@transaction.atomic
def posts_publish(*, posts: QuerySet[Post]) -> int:
    """Publish the drafts among `posts`, dated now; returns how many changed."""
    drafts = posts.filter(status=Post.Status.DRAFT)
    return Post.objects.filter(pk__in=drafts.values("pk")).update(
        status=Post.Status.PUBLISHED, published_at=timezone.now()
    )
