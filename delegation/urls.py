"""HTML pages of the delegation app."""

from django.urls import path

from delegation import views

app_name = "delegation"
urlpatterns = [
    path("", views.index, name="index"),
    path("people/", views.people_suggest, name="people"),
]
