"""HTML pages of the library app."""

from django.urls import path

from library import views

app_name = "library"
urlpatterns = [
    path("", views.index, name="index"),
    path("lab/", views.lab_page, name="lab"),
]
