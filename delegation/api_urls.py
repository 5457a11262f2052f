"""API routes of the delegation app, mounted at /api/delegation/."""

from django.urls import path  # noqa: F401 - routes are added here as the app grows

app_name = "delegation-api"
urlpatterns: list = []
