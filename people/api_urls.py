"""API routes of the people app, mounted at /api/people/."""

from django.urls import path

from people import api

app_name = "people-api"
urlpatterns = [
    path("units/", api.OrgUnitListView.as_view(), name="units"),
    path("units/<slug:code>/people/", api.OrgUnitMembersView.as_view(), name="unit-people"),
]
