"""Writes of the blog: posts, comments, tags and author profiles.

Each takes the acting user (`actor`, None for system writes), asks `blog.policies` who may
write what, and writes in one transaction together with its audit entry (`common.audit`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify

from blog import policies
from blog.models import AuthorProfile, Comment, Post, Tag
from common.actors import Actor
from common.audit import audit_record, snapshot
from common.exceptions import ConflictError
from common.models import AuditEntry
from common.validation import refuse_while_referenced

if TYPE_CHECKING:
    from django.contrib.auth.models import User  # AUTH_USER_MODEL, as django-stubs resolves it

TAG_NAME_LENGTH = Tag._meta.get_field("name").max_length
# cast: a SlugField always has a max_length; the stubs type the attribute of any field.
TAG_SLUG_LENGTH = cast(int, Tag._meta.get_field("slug").max_length)
POST_SLUG_LENGTH = cast(int, Post._meta.get_field("slug").max_length)
AUTHOR_SLUG_LENGTH = cast(int, AuthorProfile._meta.get_field("slug").max_length)


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


def _created(actor: Actor, instance: Any) -> None:
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, instance=instance, before=None)


@transaction.atomic
def author_profile_ensure(*, actor: Actor, user: User) -> AuthorProfile:
    """The user's byline: the existing one, or a new one created (and audited) now."""
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
    _created(actor, profile)
    return profile


@transaction.atomic
def author_profile_update(
    *, actor: Actor, profile: AuthorProfile, display_name: str, bio: str
) -> AuthorProfile:
    """Reword a byline (staff). The slug stays: links to the author keep working."""
    policies.check_may_moderate(actor=actor)
    profile = AuthorProfile.objects.select_for_update().get(pk=profile.pk)
    before = snapshot(profile)
    profile.display_name, profile.bio = display_name, bio
    profile.full_clean()
    profile.save(update_fields=["display_name", "bio"])
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, instance=profile, before=before)
    return profile


def _normalize_tag_names(names: Iterable[str]) -> dict[str, str]:
    """{slug: name}: whitespace collapsed, one entry per slug (first spelling wins)."""
    tags: dict[str, str] = {}
    for raw in names:
        name = " ".join(raw.split())[:TAG_NAME_LENGTH]
        slug = slugify(name)[:TAG_SLUG_LENGTH]
        if slug:
            tags.setdefault(slug, name)
    return tags


def _tags_resolve(names: Iterable[str]) -> list[Tag]:
    """The tags named, created when new (matched by slug, so "SQL" and "sql" are one tag)."""
    wanted = _normalize_tag_names(names)
    Tag.objects.bulk_create(
        [Tag(slug=slug, name=name) for slug, name in wanted.items()], ignore_conflicts=True
    )
    return list(Tag.objects.filter(slug__in=wanted).order_by("name"))


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
    actor: Actor,
    title: str,
    body: str,
    tags: Iterable[str] = (),
    status: str = Post.Status.DRAFT,
) -> Post:
    """A post by the actor, under their byline (created on their first post)."""
    user = policies.writer(actor=actor)
    policies.check_may_publish(actor=actor, status=status)
    post = Post(
        author=author_profile_ensure(actor=actor, user=user),
        title=title,
        body=body,
        status=status,
        slug=_free_slug(Post, title, POST_SLUG_LENGTH, "post"),
    )
    _save_post(post)
    post.tags.set(_tags_resolve(tags))
    _created(actor, post)
    return post


@transaction.atomic
def post_update(
    *,
    actor: Actor,
    post: Post,
    title: str | None = None,
    body: str | None = None,
    status: str | None = None,
    tags: Iterable[str] | None = None,
) -> Post:
    """Change what is given. The slug stays: links to the post keep working after a retitle."""
    policies.check_may_edit(actor=actor, post=post)
    before = snapshot(post)
    changes = {"title": title, "body": body, "status": status}
    for field, value in changes.items():
        if value is not None:
            setattr(post, field, value)
    policies.check_may_publish(actor=actor, status=post.status)
    _save_post(post)
    if tags is not None:
        post.tags.set(_tags_resolve(tags))
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, instance=post, before=before)
    return post


@transaction.atomic
def post_delete(*, actor: Actor, post: Post) -> None:
    """Refused while the post has comments (the admin and the API alike): each comment is
    audited, so they are removed first, one `comment_delete` each, never by a cascade."""
    policies.check_may_edit(actor=actor, post=post)
    refuse_while_referenced(post)
    before = snapshot(post)
    post.delete()
    audit_record(actor=actor, action=AuditEntry.Action.DELETE, instance=post, before=before)


@transaction.atomic
def comment_create(*, actor: Actor, post: Post, body: str) -> Comment:
    user = policies.writer(actor=actor)
    if not post.is_published:
        raise ConflictError("Comments open once the post is published.", field="post")
    comment = Comment(post=post, user=user, author_name=_display_name(user), body=body)
    comment.full_clean()
    comment.save()
    _created(actor, comment)
    return comment


@transaction.atomic
def comment_delete(*, actor: Actor, comment: Comment) -> None:
    """Remove a comment (staff moderation)."""
    policies.check_may_moderate(actor=actor)
    before = snapshot(comment)
    comment.delete()
    audit_record(actor=actor, action=AuditEntry.Action.DELETE, instance=comment, before=before)


@transaction.atomic
def posts_publish(*, actor: Actor, posts: QuerySet[Post]) -> int:
    """Publish the drafts among `posts`, dated now, each audited; returns how many changed."""
    drafts = list(
        Post.objects.select_for_update(of=("self",))
        .select_related("author")
        .filter(pk__in=posts.filter(status=Post.Status.DRAFT).values("pk"))
        .order_by("pk")
    )
    now = timezone.now()
    for post in drafts:
        policies.check_may_edit(actor=actor, post=post)
        before = snapshot(post)
        post.status, post.published_at = Post.Status.PUBLISHED, now
        post.save(update_fields=["status", "published_at", "updated_at"])
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, instance=post, before=before)
    return len(drafts)
