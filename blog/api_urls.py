"""API routes of the blog app, mounted at /api/blog/."""

from django.urls import path

from blog import api

app_name = "blog-api"
urlpatterns = [
    path("posts/", api.PostListView.as_view(), name="post-list"),
    path("posts/<slug:slug>/", api.PostDetailView.as_view(), name="post-detail"),
    path("posts/<slug:slug>/comments/", api.PostCommentsView.as_view(), name="post-comments"),
    path("tags/", api.TagListView.as_view(), name="tag-list"),
    path("authors/", api.AuthorListView.as_view(), name="author-list"),
    path("schema/", api.SchemaVersionView.as_view(), name="schema"),
]
