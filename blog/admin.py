"""Staff UI for the blog. Every write goes through `blog.services`, so each is audited as the
API's are: posts are added, changed, deleted and published by the post services; comments are
only removed (moderation); bylines are reworded; tags are read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import URLPattern

from blog import selectors, services
from blog.models import AuthorProfile, Comment, Post, Tag
from blog.views import schema_required
from common.admin import ReadOnlyAdmin, ServiceDeleteAdmin


class SchemaGuardedAdmin(admin.ModelAdmin):
    """Answer 503 like the blog's own pages while its schema is out of step: the admin's
    queries would otherwise fail on columns the database does not have yet (or any more)."""

    def get_urls(self) -> list[URLPattern]:
        return [
            URLPattern(url.pattern, schema_required(url.callback), url.default_args, url.name)
            for url in super().get_urls()
        ]


@admin.register(AuthorProfile)
class AuthorProfileAdmin(SchemaGuardedAdmin):
    """A byline is created with its user's first post (`author_profile_ensure`) and kept while
    posts name it, so there is no add or delete here; a change rewords it, audited."""

    list_display = ["display_name", "slug", "user", "created_at"]
    list_select_related = ["user"]
    search_fields = ["display_name", "slug", "user__username"]
    fields = ["user", "display_name", "slug", "bio", "created_at"]
    readonly_fields = ["user", "slug", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: AuthorProfile, form: Any, change: bool) -> None:
        services.author_profile_update(
            actor=request.user, profile=obj, display_name=obj.display_name, bio=obj.bio
        )


@admin.register(Tag)
class TagAdmin(SchemaGuardedAdmin, ReadOnlyAdmin):
    """Read-only: tags are created by the posts that name them (`post_create`, `post_update`)
    and are part of each post's audited state, so a rename or delete here would change posts
    with no audit entry. Retag the posts instead."""

    list_display = ["name", "slug", "post_count"]
    search_fields = ["name", "slug"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tag]:
        return selectors.admin_tags(super().get_queryset(request))

    @admin.display(ordering="post_count", description="posts")
    def post_count(self, tag: selectors.CountedTag) -> int:
        return tag.post_count


class CommentInline(admin.TabularInline):
    """Shown, not edited: comments are removed on their own admin page, through the service."""

    model = Comment
    fields = ["author_name", "body", "created_at"]
    readonly_fields = ["author_name", "body", "created_at"]
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Post)
class PostAdmin(SchemaGuardedAdmin, ServiceDeleteAdmin):
    """A new post is the staff member's own, under their byline, its slug made from the title;
    both then stay (links keep working). A post with comments cannot be deleted until they are
    removed: the page says so."""

    list_display = ["title", "author", "status", "published_at", "comment_count"]
    list_filter = ["status", "published_at"]
    search_fields = ["title", "slug", "author__display_name"]
    date_hierarchy = "published_at"
    filter_horizontal = ["tags"]
    fields = ["title", "body", "status", "tags", "author", "slug", "published_at"]
    readonly_fields = ["author", "slug", "published_at", "created_at", "updated_at"]
    inlines = [CommentInline]
    actions = ["publish"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Post]:
        return selectors.admin_posts(super().get_queryset(request))

    @admin.display(ordering="comment_count", description="comments")
    def comment_count(self, post: selectors.CountedPost) -> int:
        return post.comment_count

    @admin.action(description="Publish selected posts")
    def publish(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        count = services.posts_publish(actor=request.user, posts=queryset)
        self.message_user(request, f"{count} post(s) published.")

    def save_model(self, request: HttpRequest, obj: Post, form: Any, change: bool) -> None:
        data = form.cleaned_data
        fields = {
            "title": data["title"],
            "body": data["body"],
            "status": data["status"],
            "tags": [tag.name for tag in data["tags"]],
        }
        if change:
            stored = Post.objects.select_related("author").get(pk=obj.pk)
            services.post_update(actor=request.user, post=stored, **fields)
        else:
            obj.pk = services.post_create(actor=request.user, **fields).pk
            obj._state.adding = False

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Not `form.save_m2m()`: the service set the tags, inside the post's audit entry. The
        comment inline is read-only, so saving its formset writes nothing."""
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_through_service(self, request: HttpRequest, obj: Post) -> None:
        services.post_delete(actor=request.user, post=obj)


@admin.register(Comment)
class CommentAdmin(SchemaGuardedAdmin, ServiceDeleteAdmin):
    """Comments are written by members under their own name (`comment_create`), so staff neither
    add nor edit them here: they remove them (one or "Delete selected"), each audited."""

    list_display = ["author_name", "post", "created_at"]
    search_fields = ["author_name", "body"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Comment]:
        return selectors.admin_comments(super().get_queryset(request))

    def delete_through_service(self, request: HttpRequest, obj: Comment) -> None:
        services.comment_delete(actor=request.user, comment=obj)
