"""Pagination shared by every API list: `page_size` is accepted, validated and capped."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator
from django.db.models import Field, Model, QuerySet
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

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


class BoundedCountPaginator(Paginator):
    """A Django paginator that counts at most `cap` rows.

    An exact COUNT visits every match (tens of thousands for a common search word); counting
    through `LIMIT cap + 1` stops early. `exact` says whether `count` is the whole truth; when it
    is not, the pages reach the first `cap` rows only.
    """

    exact = True

    @cached_property
    def count(self) -> int:
        cap = settings.API_COUNT_CAP
        rows = self.object_list
        if isinstance(rows, QuerySet):
            counted = rows.order_by().values("pk")[: cap + 1].count()
        else:
            counted = len(rows)
        self.exact = counted <= cap
        return min(counted, cap)


class BoundedCountPagination(PageNumberPagination):
    """Page numbers whose `count` is exact up to `API_COUNT_CAP`, then `count_exact: false`.

    Subclasses say in `bounds_count(request)` which requests need the bound (e.g. searches);
    the others count exactly. The answer has the same shape either way.
    """

    def bounds_count(self, request: Request) -> bool:
        return True

    def paginate_queryset(
        self,
        queryset: QuerySet[Any, Any] | Sequence[Any],
        request: Request,
        view: APIView | None = None,
    ) -> list[Any] | None:
        bounded = self.bounds_count(request)
        self.django_paginator_class = BoundedCountPaginator if bounded else Paginator
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        exact = getattr(self.page and self.page.paginator, "exact", True)
        response.data = {"count": response.data["count"], "count_exact": exact, **response.data}
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        answer = super().get_paginated_response_schema(schema)
        answer["properties"] = {
            "count_exact": {
                "type": "boolean",
                "description": (
                    "False when more rows match than `count` (the cap, "
                    f"{settings.API_COUNT_CAP:,}; show it as '{settings.API_COUNT_CAP:,}+'): "
                    "the pages then reach the first `count` rows only."
                ),
            },
            **answer["properties"],
        }
        answer["required"] = [*answer["required"], "count_exact"]
        return answer
