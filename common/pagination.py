"""Pagination shared by every API list: `page_size` is accepted, validated and capped."""

from __future__ import annotations

from typing import TypeVar

from django.conf import settings
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
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
    """For large, growing lists: pages cost the same however deep (keyset, no OFFSET)."""

    page_size_query_param = "page_size"
    ordering = "-id"

    def get_page_size(self, request: Request) -> int | None:
        return requested_page_size(request, self.page_size)
