"""API routes of the school app, mounted at /api/school/."""

from django.urls import path  # noqa: F401 - routes are added here as the app grows

app_name = "school-api"
urlpatterns: list = []
