"""Pagination shared by every API list: `page_size` is accepted, validated and capped."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Field, Model, QuerySet
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request

Default = TypeVar("Default", bound=int | None)


def requested_page_size(request: Request, default: Default) -> int | Default:
    """The client's `page_size`, capped at API_MAX_PAGE_SIZE; a 400 naming it when malformed."""
    raw = request.query_params.get("page_size")
    if raw in (None, ""):
        return default
    try:
        size = int(raw)
    except ValueError:
        raise ValidationError({"page_size": ["A whole number is required."]}) from None
    if size < 1:
        raise ValidationError({"page_size": ["Must be at least 1."]})
    return min(size, settings.API_MAX_PAGE_SIZE)


class PageNumberPagination(pagination.PageNumberPagination):
    """For browsing: `?page=N&page_size=M`."""

    page_size_query_param = "page_size"

    def get_page_size(self, request: Request) -> int | None:
        return requested_page_size(request, self.page_size)


class CursorPagination(pagination.CursorPagination):
    """For large, growing lists: pages cost the same however deep (keyset, no OFFSET).

    A cursor the client forged (not ours, or a position that is not a value of the ordering
    column) is a 400 naming `cursor`, never a query the database refuses."""

    page_size_query_param = "page_size"
    ordering = "-id"
    model: type[Model] | None = None

    def get_page_size(self, request: Request) -> int | None:
        return requested_page_size(request, self.page_size)

    def paginate_queryset(
        self, queryset: QuerySet[Any] | Sequence[Any], request: Request, view: Any = None
    ) -> list[Any] | None:
        self.model = getattr(queryset, "model", None)
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request: Request) -> pagination.Cursor | None:
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise ValidationError({"cursor": ["Invalid cursor."]}) from None
        if cursor is not None and cursor.position is not None and self.model is not None:
            # paginate_queryset has made `ordering` a tuple; the cursor holds its first column.
            first = self.ordering if isinstance(self.ordering, str) else self.ordering[0]
            column = first.lstrip("-")
            field = self.model._meta.get_field(column)
            try:
                if isinstance(field, Field):
                    field.to_python(cursor.position)
            except DjangoValidationError:
                raise ValidationError({"cursor": ["Invalid cursor."]}) from None
        return cursor
