"""HTML pages of the blog app."""

from django.urls import path

from blog import views

app_name = "blog"
urlpatterns = [
    path("", views.post_list, name="index"),
    path("posts/<slug:slug>/", views.post_detail, name="post-detail"),
    path("schema/", views.schema_lab, name="schema-lab"),
]
