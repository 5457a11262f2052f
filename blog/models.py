"""The blog: authors, posts, tags and comments.

The schema got here in steps (blog/migrations, docs/blog-schema-history.md): slugs and a
publication state, tags split into their own table, the author profile split out of the user.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class AuthorProfile(models.Model):
    """The public byline of a user who writes: name, slug and bio, apart from the login."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="author_profile"
    )
    display_name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=160, unique=True)
    bio = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["display_name", "id"]

    def __str__(self) -> str:
        return self.display_name


class Tag(models.Model):
    name = models.CharField(max_length=50)
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Post(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    # No single-column index: blog_post_author_pub_idx starts with author and serves the FK.
    author = models.ForeignKey(
        AuthorProfile, on_delete=models.PROTECT, related_name="posts", db_index=False
    )
    title = models.CharField(max_length=200)
    # Unique through blog_post_slug_uniq, which migration 0005 builds without blocking writes.
    slug = models.SlugField(max_length=220, db_index=False)
    body = models.TextField()
    # db_default too: a release that predates `status` can still insert rows (see 0002).
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, db_default=Status.DRAFT
    )
    published_at = models.DateTimeField(null=True, blank=True)
    tags = models.ManyToManyField(Tag, related_name="posts", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["slug"],
                name="blog_post_slug_uniq",
                violation_error_message="Another post already has this slug.",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="blog_post_published_has_date",
                violation_error_message="A published post has a publication date.",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="blog_post_status_pub_idx"),
            models.Index(fields=["author", "-published_at"], name="blog_post_author_pub_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Comment(models.Model):
    # No single-column index: blog_comment_post_created_idx starts with post and serves the FK.
    # PROTECT: comments are audited; `post_delete` refuses while a post has any.
    post = models.ForeignKey(
        Post, on_delete=models.PROTECT, related_name="comments", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="blog_comments",
    )
    author_name = models.CharField(max_length=100)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["post", "created_at"], name="blog_comment_post_created_idx")
        ]

    def __str__(self) -> str:
        return f"{self.author_name} on {self.post}"
