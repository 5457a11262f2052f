"""Query-string filters of the library API lists (django-filter)."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, QuerySet

from common.filters import IdFilter
from library import selectors
from library.models import Book, CirculationEvent, Copy, Hold, Loan


class BookFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        label="Full-text search (ranked; tolerant of typos in titles on PostgreSQL).",
    )
    author = IdFilter(field_name="book_authors__author", label="Author id.")
    category = IdFilter(
        method="filter_category", label="Category id; books of its subcategories match too."
    )
    language = django_filters.CharFilter()
    year_min = django_filters.NumberFilter(field_name="year", lookup_expr="gte")
    year_max = django_filters.NumberFilter(field_name="year", lookup_expr="lte")
    available = django_filters.BooleanFilter(
        method="filter_available",
        label="Only books with (true) or without (false) a copy on the shelf.",
    )

    class Meta:
        model = Book
        fields = ["q", "author", "category", "language", "year_min", "year_max", "available"]

    def filter_q(self, books: QuerySet[Book], name: str, value: str) -> QuerySet[Book]:
        return selectors.search_books(books, value)

    def filter_category(self, books: QuerySet[Book], name: str, value: int) -> QuerySet[Book]:
        return books.filter(category_id__in=selectors.category_subtree_ids(int(value)))

    def filter_available(self, books: QuerySet[Book], name: str, value: bool) -> QuerySet[Book]:
        on_shelf = Copy.objects.filter(book=OuterRef("pk"), status=Copy.Status.AVAILABLE)
        return books.filter(Exists(on_shelf)) if value else books.exclude(Exists(on_shelf))


class CopyFilter(django_filters.FilterSet):
    class Meta:
        model = Copy
        fields = ["book", "status", "barcode"]


# Members are filtered by plain id, not by a choice of existing rows: a member the caller may
# not see matches nothing, as a missing one does, instead of answering "not a valid choice".
class LoanFilter(django_filters.FilterSet):
    active = django_filters.BooleanFilter(field_name="returned_at", lookup_expr="isnull")
    member = IdFilter(field_name="member")

    class Meta:
        model = Loan
        fields = ["member", "copy", "active"]


class HoldFilter(django_filters.FilterSet):
    member = IdFilter(field_name="member")

    class Meta:
        model = Hold
        fields = ["book", "member", "status"]


class EventFilter(django_filters.FilterSet):
    member = IdFilter(field_name="member")

    class Meta:
        model = CirculationEvent
        fields = ["action", "outcome", "member", "copy", "book"]
