"""Filters of the post list: `?tag=`, `?author=`, `?status=`, `?published_after=`..."""

import django_filters

from blog.models import Post
from common.filters import IsoDateTimeFilter


class PostFilter(django_filters.FilterSet):
    tag = django_filters.CharFilter(field_name="tags__slug", help_text="Tag slug.")
    author = django_filters.CharFilter(field_name="author__slug", help_text="Author slug.")
    status = django_filters.ChoiceFilter(choices=Post.Status.choices)
    published_after = IsoDateTimeFilter(field_name="published_at", lookup_expr="gte")
    published_before = IsoDateTimeFilter(field_name="published_at", lookup_expr="lt")

    class Meta:
        model = Post
        fields = ["tag", "author", "status", "published_after", "published_before"]
