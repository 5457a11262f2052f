"""What every large admin changelist shares: counts that stay cheap, search that resolves what staff
type to ids through indexes, and a date drill-down that never scans the table.

Django's admin, left alone, pays for its table's size on every page (loans at 500k rows):
- `COUNT(*)` of the filtered list, and another of the whole table (`show_full_result_count`);
- search as `UPPER(col::text) LIKE UPPER('%term%')` on every search field, OR-ed across joins,
  which no b-tree, trigram or full-text index serves;
- `date_hierarchy`: `MIN`/`MAX` of the filtered list, then `SELECT DISTINCT date_trunc(...)`
  over every matching row.

Here, through the ModelAdmin's public hooks (`paginator`, `get_search_results`, list filters):
- `EstimatedCountPaginator` counts exactly up to `API_COUNT_CAP` rows (`LIMIT cap + 1`), and past
  it takes PostgreSQL's estimate: `pg_class.reltuples` for the whole table, the planner's row
  estimate (`EXPLAIN`) for a filtered list. The page footer says "about" (admin/pagination.html).
- `IndexedSearchAdmin` asks its `search_conditions(term)` for conditions that indexes serve:
  ids resolved by exact or prefix keys (barcode, card number, username: b-tree), by full text
  (titles) or by trigram GIN indexes on `UPPER(col)` (names, emails), which are exactly the
  expression Django's `icontains` compiles to, so the same lookup is indexed on PostgreSQL and
  plain on SQLite.
- `year_filter(field)` replaces `date_hierarchy` on tables that grow without bound: its years
  come from the table's first and last dates (two probes of the field's index).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from functools import cached_property, reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.admin import helpers
from django.core.paginator import Page
from django.db import connection
from django.db.models import Max, Min, Model, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from common.pagination import BoundedCountPaginator


def table_estimate(model: type[Model]) -> int:
    """PostgreSQL's estimate of the rows in `model`'s table (as of its last ANALYZE)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            [model._meta.db_table],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else -1


def planner_estimate(queryset: QuerySet[Any]) -> int:
    """The planner's estimate of the rows `queryset` returns (`EXPLAIN`, nothing is run)."""
    plan = json.loads(queryset.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(BoundedCountPaginator):
    """Exact up to `API_COUNT_CAP` rows, PostgreSQL's estimate past it (`estimated` then True).

    Unfiltered, the estimate is the table's `reltuples`; filtered, the planner's row estimate
    for the filter. An estimate can be off (more so for a filter), so a page near its end may
    come back empty; every page before the cap is exact. Other databases count exactly.
    """

    estimated = False

    @cached_property
    def count(self) -> int:
        bounded = super().count
        rows = self.object_list
        if self.exact or not isinstance(rows, QuerySet):
            return bounded
        if connection.vendor != "postgresql":
            self.exact = True
            return rows.count()
        self.estimated = True
        unfiltered = not rows.query.where
        estimate = table_estimate(rows.model) if unfiltered else planner_estimate(rows)
        return max(bounded + 1, estimate)

    def validate_number(self, number: Any) -> int:
        """Past an estimated end too: the estimate may fall short of the last rows, which must
        stay reachable (a page past the true end is simply empty)."""
        if self.count and self.estimated:
            return max(1, int(number)) if str(number).isdigit() else super().validate_number(number)
        return super().validate_number(number)

    def page(self, number: Any) -> Any:
        """The page's keys first (`SELECT id ... ORDER BY ... OFFSET n LIMIT k`, which an index on
        the ordering serves, reading no other column and joining nothing), then its rows with
        their related rows by key. `OFFSET` on the full query joins every skipped row first:
        page 1,000 of the loans read 100,000 loans with their copies, members and users.
        Page 1 skips nothing and stays one query."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = self.object_list
        if not isinstance(rows, QuerySet) or bottom == 0:  # page 1: LIMIT alone is cheap
            return super().page(number)
        keys = list(rows.values_list("pk", flat=True)[bottom : bottom + self.per_page])
        return Page(rows.filter(pk__in=keys), number, self)


class ScaledAdmin(admin.ModelAdmin):
    """A changelist whose cost does not grow with the table: bounded and estimated counts, no
    second COUNT of the whole table, pages by key. Subclasses still name `list_select_related`."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def action_checkbox(self, obj: Model) -> SafeString:
        """The row's checkbox, the HTML Django's own renders, written directly: Django renders
        it through the form widget templates, about a millisecond a row (a third of a 100-row
        page's rendering on the loaded benchmark machine)."""
        label = format_html(_("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )


class IndexedSearchAdmin(ScaledAdmin):
    """Search through `search_conditions(term)`: each condition is served by an index, and the
    changelist shows the rows matching any of them.

    `search_fields` stays declared (it shows the search box and documents the fields, and is
    what Django would search without the override); `search_help_text` says what each field
    matches and how.
    """

    def search_conditions(self, term: str) -> Iterable[Q]:
        raise NotImplementedError

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        conditions = list(self.search_conditions(term))
        if not conditions:
            return queryset.none(), False
        return queryset.filter(reduce(or_, conditions)), False


def year_filter(field: str, title: str | None = None) -> type[admin.SimpleListFilter]:
    """A list filter by year of `field`, the bounded replacement of `date_hierarchy`.

    Its years run from the table's first to its last `field` (MIN and MAX: two probes of the
    field's index, whatever the table's size), where `date_hierarchy` lists the years present
    with `SELECT DISTINCT date_trunc('year', field)` over every row. A year with no rows can
    appear; it simply shows none. The filter is a range, `field >= Jan 1 AND field < Jan 1 of
    the next year`, which the same index serves.
    """

    class YearFilter(admin.SimpleListFilter):
        parameter_name = f"{field}_year"

        def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
            span = model_admin.model._default_manager.aggregate(first=Min(field), last=Max(field))
            if span["first"] is None:
                return []
            first, last = (_local_year(span[end]) for end in ("first", "last"))
            return [(str(year), str(year)) for year in range(last, first - 1, -1)]

        def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
            value = self.value()
            if not value or not value.isdigit() or not 1 <= int(value) < 9999:
                return queryset
            start = _year_start(int(value))
            return queryset.filter(
                **{f"{field}__gte": start, f"{field}__lt": _year_start(int(value) + 1)}
            )

    YearFilter.title = title or f"{field.replace('_', ' ')} (year)"
    YearFilter.__name__ = f"{field.title().replace('_', '')}YearFilter"
    return YearFilter


def _local_year(value: datetime | Any) -> int:
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return int(value.year)


def _year_start(year: int) -> datetime:
    start = datetime(year, 1, 1)
    return timezone.make_aware(start) if settings.USE_TZ else start
