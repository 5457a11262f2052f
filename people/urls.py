"""HTML pages of the people app."""

from django.urls import path

from people import views

app_name = "people"
urlpatterns = [
    path("", views.unit_tree, name="units"),
    path("units/<slug:code>/", views.unit_detail, name="unit"),
]
