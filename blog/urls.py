"""HTML pages of the blog app."""

from django.urls import path

from blog import views

app_name = "blog"
urlpatterns = [
    path("", views.index, name="index"),
]
