"""The blog API under /api/blog/: posts, their comments, tags, authors, and the schema version.

Every view but the schema one answers 503 while the database's blog schema is not the code's
(`SchemaGuardMixin`); the schema view is how to find out why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import filters, generics, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from blog import selectors, services
from blog.filters import PostFilter
from blog.models import AuthorProfile, Comment, Post, Tag
from blog.schema_version import read_schema_state, require_current_schema
from blog.serializers import (
    AuthorProfileWithCountSerializer,
    CommentInputSerializer,
    CommentSerializer,
    PostDetailSerializer,
    PostInputSerializer,
    PostListSerializer,
    SchemaOutOfDateSerializer,
    SchemaVersionSerializer,
    TagWithCountSerializer,
)
from common.pagination import CursorPagination

SCHEMA_503 = OpenApiResponse(
    SchemaOutOfDateSerializer, description="The blog schema is behind or ahead of the code."
)


if TYPE_CHECKING:
    _View = APIView  # what the mixin is mixed into, so mypy knows `super().initial`
else:
    _View = object


class SchemaGuardMixin(_View):
    """503 (naming applied and expected versions) unless the blog schema is current."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        require_current_schema()
        super().initial(request, *args, **kwargs)


@extend_schema_view(
    get=extend_schema(responses={200: PostListSerializer(many=True), 503: SCHEMA_503})
)
class PostListView(SchemaGuardMixin, generics.ListCreateAPIView):
    """Posts newest first, with author, tags and comment count; drafts only to their author."""

    serializer_class = PostListSerializer
    filterset_class = PostFilter
    # ignore: the stubs make the class default generic in the view's model, which mypy refuses
    # to read off a class; at run time it is the settings' list of backend classes.
    filter_backends = [*generics.ListCreateAPIView.filter_backends, filters.SearchFilter]  # type: ignore[misc]
    search_fields = ["title", "body"]
    ordering_fields = ["published_at", "title", "comment_count"]

    def get_queryset(self) -> QuerySet[Post]:
        return selectors.post_list(viewer=self.request.user)

    @extend_schema(
        request=PostInputSerializer,
        responses={201: PostDetailSerializer, 503: SCHEMA_503},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = PostInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        post = services.post_create(actor=request.user, **data.validated_data)
        post = selectors.post_detail(slug=post.slug, viewer=request.user)
        body = PostDetailSerializer(post, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema_view(get=extend_schema(responses={200: PostDetailSerializer, 503: SCHEMA_503}))
class PostDetailView(SchemaGuardMixin, generics.RetrieveAPIView):
    """One post with its body; PATCH and DELETE for its author and staff."""

    serializer_class = PostDetailSerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_object(self) -> Post:
        return selectors.post_detail(slug=self.kwargs["slug"], viewer=self.request.user)

    @extend_schema(
        request=PostInputSerializer(partial=True),
        responses={200: PostDetailSerializer, 503: SCHEMA_503},
    )
    def patch(self, request: Request, slug: str) -> Response:
        data = PostInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.post_update(actor=request.user, post=self.get_object(), **data.validated_data)
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(responses={204: None, 503: SCHEMA_503})
    def delete(self, request: Request, slug: str) -> Response:
        services.post_delete(actor=request.user, post=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class CommentKeyset(CursorPagination):
    ordering = ("created_at", "id")


@extend_schema_view(
    get=extend_schema(responses={200: CommentSerializer(many=True), 503: SCHEMA_503})
)
class PostCommentsView(SchemaGuardMixin, generics.ListCreateAPIView):
    """Comments of one post, oldest first; any signed-in user may comment on a published post."""

    serializer_class = CommentSerializer
    filter_backends: list = []
    # Oldest first in keyset pages (blog_comment_post_created_idx): a thread only grows.
    pagination_class = CommentKeyset

    def _post(self) -> Post:
        return selectors.post_detail(slug=self.kwargs["slug"], viewer=self.request.user)

    def get_queryset(self) -> QuerySet[Comment]:
        return selectors.post_comments(post=self._post())

    @extend_schema(
        request=CommentInputSerializer, responses={201: CommentSerializer, 503: SCHEMA_503}
    )
    def post(self, request: Request, slug: str) -> Response:
        data = CommentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_create(
            actor=request.user, post=self._post(), **data.validated_data
        )
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(responses={200: TagWithCountSerializer(many=True), 503: SCHEMA_503})
)
class TagListView(SchemaGuardMixin, generics.ListAPIView):
    """Tags by name, with their number of published posts."""

    serializer_class = TagWithCountSerializer
    filter_backends = [filters.SearchFilter]
    search_fields = ["name"]

    def get_queryset(self) -> QuerySet[Tag]:
        return selectors.tag_list()


@extend_schema_view(
    get=extend_schema(responses={200: AuthorProfileWithCountSerializer(many=True), 503: SCHEMA_503})
)
class AuthorListView(SchemaGuardMixin, generics.ListAPIView):
    """Authors by name, with their number of published posts."""

    serializer_class = AuthorProfileWithCountSerializer
    filter_backends = [filters.SearchFilter]
    search_fields = ["display_name"]

    def get_queryset(self) -> QuerySet[AuthorProfile]:
        return selectors.author_list()


class SchemaVersionView(APIView):
    """The blog schema: expected and applied versions, pending migrations, and the history.

    Read live from the database (not the per-process cache), and never refused: it is where a
    503 elsewhere in the blog sends you.
    """

    permission_classes = [AllowAny]

    @extend_schema(responses={200: SchemaVersionSerializer})
    def get(self, request: Request) -> Response:
        version, history = read_schema_state()
        body = {
            "state": version.state,
            "expected": version.expected,
            "applied": version.applied,
            "pending": list(version.pending),
            "unknown": list(version.unknown),
            "command": None if version.is_current else version.command,
            "message": version.message,
            "history": [vars(entry) for entry in history],
        }
        return Response(SchemaVersionSerializer(body).data)
