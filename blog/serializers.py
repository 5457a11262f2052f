"""Input and output shapes of the blog API."""

from __future__ import annotations

from django.utils.text import Truncator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from blog.models import AuthorProfile, Comment, Post, Tag

EXCERPT_WORDS = 40


class AuthorProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuthorProfile
        fields = ["slug", "display_name"]


class AuthorProfileWithCountSerializer(serializers.ModelSerializer):
    post_count = serializers.IntegerField(read_only=True, help_text="Published posts.")

    class Meta:
        model = AuthorProfile
        fields = ["slug", "display_name", "bio", "post_count"]


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["slug", "name"]


class TagWithCountSerializer(serializers.ModelSerializer):
    post_count = serializers.IntegerField(read_only=True, help_text="Published posts.")

    class Meta:
        model = Tag
        fields = ["slug", "name", "post_count"]


class PostListSerializer(serializers.ModelSerializer):
    author = AuthorProfileSerializer(read_only=True)
    tags = TagSerializer(many=True, read_only=True)
    comment_count = serializers.IntegerField(read_only=True)
    excerpt = serializers.SerializerMethodField()
    url = serializers.HyperlinkedIdentityField(
        view_name="blog-api:post-detail", lookup_field="slug"
    )

    class Meta:
        model = Post
        fields = [
            "slug",
            "title",
            "excerpt",
            "status",
            "published_at",
            "author",
            "tags",
            "comment_count",
            "url",
        ]

    @extend_schema_field(serializers.CharField())
    def get_excerpt(self, post: Post) -> str:
        return Truncator(post.body).words(EXCERPT_WORDS)


class PostDetailSerializer(PostListSerializer):
    comments_url = serializers.HyperlinkedIdentityField(
        view_name="blog-api:post-comments", lookup_field="slug"
    )

    class Meta(PostListSerializer.Meta):
        fields = [
            *PostListSerializer.Meta.fields,
            "body",
            "created_at",
            "updated_at",
            "comments_url",
        ]


class PostInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField()
    status = serializers.ChoiceField(choices=Post.Status.choices, default=Post.Status.DRAFT)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), max_length=20, required=False
    )


class CommentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Comment
        fields = ["id", "author_name", "body", "created_at"]


class CommentInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=5000)


class HistoryEntrySerializer(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()
    applied = serializers.BooleanField()
    applied_at = serializers.DateTimeField(allow_null=True)


class SchemaVersionSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=["current", "behind", "ahead"])
    expected = serializers.CharField(help_text="Latest blog migration in this code.")
    applied = serializers.CharField(
        allow_null=True, help_text="Latest blog migration applied to the database."
    )
    pending = serializers.ListField(child=serializers.CharField())
    unknown = serializers.ListField(
        child=serializers.CharField(), help_text="Applied, but not in this code (ahead)."
    )
    command = serializers.CharField(
        allow_null=True, help_text="What to run when not current, else null."
    )
    message = serializers.CharField()
    history = HistoryEntrySerializer(many=True)


class SchemaOutOfDateDetailSerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text="503")
    code = serializers.CharField(help_text="schema_out_of_date")
    message = serializers.CharField()
    state = serializers.ChoiceField(choices=["behind", "ahead"])
    applied = serializers.CharField(allow_null=True)
    expected = serializers.CharField()
    pending = serializers.ListField(child=serializers.CharField())
    command = serializers.CharField()


class SchemaOutOfDateSerializer(serializers.Serializer):
    """The 503 every blog route but /schema/ answers while the schema is behind or ahead."""

    error = SchemaOutOfDateDetailSerializer()
