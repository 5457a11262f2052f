"""API routes of the library app, mounted at /api/library/."""

from django.urls import path  # noqa: F401 - routes are added here as the app grows

app_name = "library-api"
urlpatterns: list = []
