"""Pagination shared by every API list: `page_size` is accepted, validated and capped."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from typing import Any, TypeVar, cast

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Field, Model, Q, QuerySet
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

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


def _invert(column: str) -> str:
    return column[1:] if column.startswith("-") else f"-{column}"


def after_key(ordering: Sequence[str], values: Sequence[Any]) -> Q:
    """Rows strictly after `values` in `ordering` (a keyset condition).

    `(a, b, id) > (x, y, z)` written out as `a >= x AND (a > x OR (a = x AND (b > y OR ...)))`:
    the leading bound is what an index on the ordering's columns turns into a range, so a deep
    page reads only its own rows; the rest sorts out ties on the leading column.
    """
    condition: Q | None = None
    for column, value in reversed(list(zip(ordering, values, strict=True))):
        name, step = column.lstrip("-"), "lt" if column.startswith("-") else "gt"
        beyond = Q(**{f"{name}__{step}": value})
        condition = beyond if condition is None else beyond | (Q(**{name: value}) & condition)
    assert condition is not None, "an ordering has at least one column"
    first = ordering[0]
    bound = Q(**{f"{first.lstrip('-')}__{'lte' if first.startswith('-') else 'gte'}": values[0]})
    return bound & condition


def _key_text(value: Any) -> Any:
    """A key value as JSON keeps it exactly (datetimes to the microsecond, decimals as text)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


class CursorPagination(pagination.CursorPagination):
    """For large, growing lists: keyset pages, each costing the same however deep (no OFFSET,
    no COUNT).

    DRF's CursorPagination keys a page on the ordering's *first* column and skips ties with an
    offset, capped at `offset_cutoff` (1000); the large seed has 1,600 fines per `assessed_at`,
    so a page inside such a tie could never be reached. This subclass keys on the *whole*
    ordering, which ends in the primary key so that every key is unique; it keeps DRF's cursor
    encoding, links, response and schema. Each ordering column must be a non-null model field
    (an index on the ordering's columns serves every page).

    A cursor the client forged (not ours, the wrong number of values, a value that is not one
    of its column) is a 400 naming `cursor`; `page` (page numbers) is a 400 naming `page`.
    """

    page_size_query_param = "page_size"
    ordering: str | tuple[str, ...] = "-id"
    model: type[Model] | None = None
    position: list[Any] | None = None

    def get_page_size(self, request: Request) -> int | None:
        return requested_page_size(request, self.page_size)

    def get_ordering(self, request: Request, queryset: Any, view: Any) -> tuple[str, ...]:
        """The ordering asked for (OrderingFilter) or declared, ending in the primary key."""
        ordering = tuple(
            column.replace("pk", "id") if column.lstrip("-") == "pk" else column
            for column in super().get_ordering(request, queryset, view)
        )
        if not any(self._unique(column) for column in ordering):
            ordering = (*ordering, "-id" if ordering[-1].startswith("-") else "id")
        return ordering

    def _unique(self, column: str) -> bool:
        """Whether `column` alone tells rows apart (the primary key, a unique field)."""
        name = column.lstrip("-")
        if name == "id" or self.model is None:
            return name == "id"
        field = self.model._meta.get_field(name)
        return bool(getattr(field, "unique", False))

    def paginate_queryset(
        self, queryset: QuerySet[Any] | Sequence[Any], request: Request, view: Any = None
    ) -> list[Any] | None:
        self.request = request
        self.page_size = self.get_page_size(request)
        if not self.page_size:
            return None
        if "page" in request.query_params:
            raise ValidationError({"page": ["This list is paged by cursor: follow `next`."]})
        assert isinstance(queryset, QuerySet), "keyset pages need a queryset"
        self.model = queryset.model
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)
        self.cursor = self.decode_cursor(request)
        reverse = bool(self.cursor and self.cursor.reverse)
        order = tuple(map(_invert, self.ordering)) if reverse else self.ordering
        rows = queryset.order_by(*order)
        if self.position is not None:
            rows = rows.filter(after_key(order, self.position))
        found = list(rows[: self.page_size + 1])
        more = len(found) > self.page_size
        self.page = found[: self.page_size]
        if reverse:
            self.page.reverse()
        self.has_next = more if not reverse else True
        self.has_previous = self.position is not None if not reverse else more
        return self.page

    def key_of(self, row: Any) -> list[Any]:
        return [_key_text(getattr(row, column.lstrip("-"))) for column in self.ordering]

    def link_after(self, base_url: str, key: Sequence[Any]) -> str:
        """`base_url` with the cursor of the page after the row whose key is `key` (for links
        built outside a request, e.g. the directory's `reports.next`)."""
        self.base_url = base_url
        return self._link(reverse=False, key=[_key_text(value) for value in key])

    def _link(self, *, reverse: bool, key: list[Any] | None) -> str:
        position = None if key is None else json.dumps(key, separators=(",", ":"))
        # The stubs type a position as int; DRF itself carries any text (here a JSON key).
        cursor = pagination.Cursor(offset=0, reverse=reverse, position=cast(Any, position))
        return self.encode_cursor(cursor)

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        # An empty page reached backwards: the next page starts where this cursor pointed.
        key = self.key_of(self.page[-1]) if self.page else self.position
        return self._link(reverse=False, key=key)

    def get_previous_link(self) -> str | None:
        if not self.has_previous:
            return None
        key = self.key_of(self.page[0]) if self.page else self.position
        return self._link(reverse=True, key=key)

    def decode_cursor(self, request: Request) -> pagination.Cursor | None:
        self.position = None
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise ValidationError({"cursor": ["Invalid cursor."]}) from None
        if cursor is None or cursor.position is None:
            return cursor
        self.position = self._position(str(cursor.position))
        return cursor

    def _position(self, text: str) -> list[Any]:
        """The key a cursor carries, each value checked against its column; else a 400."""
        try:
            values = json.loads(text)
            if not isinstance(values, list) or len(values) != len(self.ordering):
                raise ValueError(text)
            return [
                self._value(column, value)
                for column, value in zip(self.ordering, values, strict=True)
            ]
        except (ValueError, TypeError, DjangoValidationError):
            raise ValidationError({"cursor": ["Invalid cursor."]}) from None

    def _value(self, column: str, value: Any) -> Any:
        if isinstance(value, list | dict) or value is None:
            raise ValueError(value)
        assert self.model is not None
        field = self.model._meta.get_field(column.lstrip("-"))
        return field.to_python(value) if isinstance(field, Field) else value


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


class RankedPaginator(BoundedCountPaginator):
    """A bounded-count paginator of a queryset that reads a page in two steps: the page's keys
    first, in the list's order and with nothing else selected, then those rows in full by key.

    A ranked list (the book search) orders every match by a rank computed per request. Ranking
    with only the key selected leaves no correlated subquery or join in the statement, so
    PostgreSQL can rank in parallel workers and evaluates the rows' own annotations (available
    copies, the category) for the page alone. (A "deferred join"; the admin's changelists keep
    one query per page.)
    """

    object_list: QuerySet[Any]

    def page(self, number: int | str) -> Page:
        number = self.validate_number(number)
        return Page(self.rows(self.keys(number)), number, self)

    def keys(self, number: int) -> list[Any]:
        """The keys of page `number` (validated), in the list's order."""
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return list(self.object_list.values_list("pk", flat=True)[bottom:top])

    def rows(self, keys: list[Any]) -> list[Any]:
        """The rows of `keys`, in that order (a row deleted since is left out)."""
        by_key = {row.pk: row for row in self.object_list.filter(pk__in=keys)}
        return [by_key[key] for key in keys if key in by_key]


class BoundedCountPagination(PageNumberPagination):
    """Page numbers whose `count` is exact up to `API_COUNT_CAP`, then `count_exact: false`
    (the library's book search: a common word matches half the books), each page read by key
    (`RankedPaginator`)."""

    django_paginator_class = RankedPaginator

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
