"""Reads of the blog, each with its loading strategy spelled out (the only home of joins)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce

from blog.models import AuthorProfile, Comment, Post, Tag
from common.exceptions import NotFoundError


class _CommentCount(TypedDict):
    comment_count: int


class _PostCount(TypedDict):
    post_count: int


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    # The annotated rows the selectors below return, as mypy sees them.
    CountedPost: TypeAlias = WithAnnotations[Post, _CommentCount]
    CountedTag: TypeAlias = WithAnnotations[Tag, _PostCount]
    CountedAuthor: TypeAlias = WithAnnotations[AuthorProfile, _PostCount]

Viewer = AbstractBaseUser | AnonymousUser
PUBLISHED = Q(status=Post.Status.PUBLISHED)


def comment_count() -> Coalesce:
    """Comments of the outer post, counted per row by an index-backed subquery.

    Cheaper than COUNT over a join with GROUP BY on a paginated list: only the rows on the page
    are counted, not every visible post before LIMIT applies.
    """
    per_post = (
        Comment.objects.filter(post=OuterRef("pk"))
        .order_by()
        .values("post")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(per_post, output_field=IntegerField()), 0)


def visible_posts(*, viewer: Viewer) -> QuerySet[Post]:
    """Published posts; plus the viewer's own drafts; staff see every post."""
    posts = Post.objects.all()
    if getattr(viewer, "is_staff", False):
        return posts
    if viewer.is_authenticated:
        return posts.filter(PUBLISHED | Q(author__user=viewer))
    return posts.filter(PUBLISHED)


def post_list(*, viewer: Viewer, count_comments_by: str = "subquery") -> QuerySet[CountedPost]:
    """Newest first: author joined, tags in one prefetch, comment count per row.

    `count_comments_by="join"` counts with LEFT JOIN and GROUP BY instead of the subquery; the
    benchmark (`manage.py blog_benchmark`) compares the two.
    """
    counted = Count("comments", distinct=True) if count_comments_by == "join" else comment_count()
    return (
        visible_posts(viewer=viewer)
        .select_related("author")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .annotate(comment_count=counted)
        .order_by(F("published_at").desc(nulls_first=True), "-id")
    )


def post_detail(*, slug: str, viewer: Viewer) -> CountedPost:
    try:
        return post_list(viewer=viewer).get(slug=slug)
    except Post.DoesNotExist:
        raise NotFoundError(f"No post with slug {slug!r}.", field="slug") from None


def post_comments(*, post: Post) -> QuerySet[Comment]:
    """Oldest first; the comment row carries the author's name, so no join."""
    return Comment.objects.filter(post=post).order_by("created_at", "id")


def tag_list() -> QuerySet[CountedTag]:
    """Tags with the number of published posts carrying each."""
    published = Count("posts", filter=Q(posts__status=Post.Status.PUBLISHED))
    return Tag.objects.annotate(post_count=published).order_by("name")


def author_list() -> QuerySet[CountedAuthor]:
    """Author profiles with at least one published post, and the number of them (a profile is
    made with a user's first draft: listing it would tell that an unpublished draft exists)."""
    published = Q(posts__status=Post.Status.PUBLISHED)
    has_published = Exists(Post.objects.filter(author=OuterRef("pk"), status=Post.Status.PUBLISHED))
    authors = AuthorProfile.objects.filter(has_published)
    return authors.annotate(post_count=Count("posts", filter=published)).order_by(
        "display_name", "id"
    )


def admin_posts(queryset: QuerySet[Post]) -> QuerySet[CountedPost]:
    """The admin changelist's rows: author joined and comment counts, in constant queries."""
    return queryset.select_related("author").annotate(comment_count=comment_count())


def admin_comments(queryset: QuerySet[Comment]) -> QuerySet[Comment]:
    return queryset.select_related("post")


def admin_tags(queryset: QuerySet[Tag]) -> QuerySet[CountedTag]:
    return queryset.annotate(post_count=Count("posts"))


def post_tags(post: Post) -> dict[str, Any]:
    """The post's tag slugs: part of its audited state (see `apps.py`)."""
    return {"tags": sorted(post.tags.values_list("slug", flat=True))}
