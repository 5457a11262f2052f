from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import URLPattern

from blog import selectors, services
from blog.models import AuthorProfile, Comment, Post, Tag
from blog.views import schema_required


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
    list_display = ["display_name", "slug", "user", "created_at"]
    list_select_related = ["user"]
    search_fields = ["display_name", "slug", "user__username"]
    autocomplete_fields = ["user"]
    prepopulated_fields = {"slug": ["display_name"]}


@admin.register(Tag)
class TagAdmin(SchemaGuardedAdmin):
    list_display = ["name", "slug", "post_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tag]:
        return selectors.admin_tags(super().get_queryset(request))

    @admin.display(ordering="post_count", description="posts")
    def post_count(self, tag: "selectors.CountedTag") -> int:
        return tag.post_count


class CommentInline(admin.TabularInline):
    model = Comment
    fields = ["author_name", "body", "created_at"]
    readonly_fields = ["created_at"]
    extra = 0


@admin.register(Post)
class PostAdmin(SchemaGuardedAdmin):
    list_display = ["title", "author", "status", "published_at", "comment_count"]
    list_filter = ["status", "published_at"]
    search_fields = ["title", "slug", "author__display_name"]
    date_hierarchy = "published_at"
    autocomplete_fields = ["author"]
    filter_horizontal = ["tags"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["created_at", "updated_at"]
    inlines = [CommentInline]
    actions = ["publish"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Post]:
        return selectors.admin_posts(super().get_queryset(request))

    @admin.display(ordering="comment_count", description="comments")
    def comment_count(self, post: "selectors.CountedPost") -> int:
        return post.comment_count

    @admin.action(description="Publish selected posts")
    def publish(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        count = services.posts_publish(actor=request.user, posts=queryset)
        self.message_user(request, f"{count} post(s) published.")


@admin.register(Comment)
class CommentAdmin(SchemaGuardedAdmin):
    list_display = ["author_name", "post", "created_at"]
    search_fields = ["author_name", "body"]
    autocomplete_fields = ["post", "user"]
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Comment]:
        return selectors.admin_comments(super().get_queryset(request))
