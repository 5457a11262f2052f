"""API routes of the blog app, mounted at /api/blog/."""

from django.urls import path  # noqa: F401 - routes are added here as the app grows

app_name = "blog-api"
urlpatterns: list = []
