"""`manage.py bench_pages [--json]`: the first page against a deep page of every keyset list.

For each large or growing list of the API (books, authors, copies, members, holds, fines, loans
and the unreturned loans, the circulation log, delegations, role assignments, the audit log, the
directory, a unit's people and a post's comments), in one
run: the first page and the page `--depth` pages in (5000 by default, or the last page of a
shorter list), each through the view itself (RequestFactory, a staff caller: filter, keyset
page, serialize, render JSON), median of `--repeat` runs, their ratio against the goal (a deep
page at most 1.5x the first), and, for comparison, what the same deep page costs the way page
numbers fetched it (OFFSET plus COUNT(*) over the same query).

The deep cursor is built from the row before that page (found once with OFFSET, untimed), as
the list's own `next` link would have carried it. Lists are named by their URL only, so this
command imports no app. Run it against `seed_demo --size large` with DJANGO_DEBUG=false.
"""

from __future__ import annotations

import json
import time
from statistics import median
from typing import Any, cast
from urllib.parse import parse_qs, urlparse

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser
from django.db.models import Count, QuerySet
from django.test import RequestFactory
from django.urls import resolve
from rest_framework.test import force_authenticate

from common.pagination import CursorPagination
from devtools.bench.report import BenchCommand

GOAL_RATIO = 1.5


def largest_unit() -> str:
    """The code of the unit with the most people (its list is the deepest)."""
    units = apps.get_model("people", "OrgUnit").objects.annotate(n=Count("people"))
    code = units.order_by("-n", "id").values_list("code", flat=True).first()
    return code or "none"


def busiest_post() -> str:
    """The slug of the post with the most comments (its thread is the deepest)."""
    posts = apps.get_model("blog", "Post").objects.annotate(n=Count("comments"))
    slug = posts.order_by("-n", "id").values_list("slug", flat=True).first()
    return slug or "none"


def lists() -> dict[str, tuple[str, dict[str, str]]]:
    return {
        "books": ("/api/library/books/", {}),
        "authors": ("/api/library/authors/", {}),
        "copies": ("/api/library/copies/", {}),
        "members": ("/api/library/members/", {}),
        "holds": ("/api/library/holds/", {}),
        "fines": ("/api/library/fines/", {}),
        "loans": ("/api/library/loans/", {}),
        "loans?active=true": ("/api/library/loans/", {"active": "true"}),
        "events": ("/api/library/events/", {}),
        "delegations": ("/api/delegation/delegations/", {}),
        "role assignments": ("/api/delegation/assignments/", {}),
        "audit": ("/api/delegation/audit/", {}),
        "directory people": ("/api/school/people/", {}),
        "a unit's people": (f"/api/people/units/{largest_unit()}/people/", {}),
        "a post's comments": (f"/api/blog/posts/{busiest_post()}/comments/", {}),
    }


class Lister:
    """One list endpoint called like a client would, with a staff caller."""

    def __init__(self, path: str, params: dict[str, str], user: Any, size: int) -> None:
        self.path, self.params, self.user, self.size = path, params, user, size
        self.match = resolve(path)
        # A host the settings allow (links are absolute), whatever ALLOWED_HOSTS says.
        host = next((h for h in settings.ALLOWED_HOSTS if h and "*" not in h), "localhost")
        self.factory = RequestFactory(HTTP_HOST=host.lstrip("."))

    def get(self, **extra: str) -> bytes:
        request = self.factory.get(self.path, {**self.params, "page_size": str(self.size), **extra})
        force_authenticate(request, user=self.user)
        response = self.match.func(request, *self.match.args, **self.match.kwargs)
        response.render()
        assert response.status_code == 200, (self.path, response.status_code, response.content)
        return response.content

    def view(self) -> Any:
        """The view instance with its request, as DRF sets it up for a list."""
        func = cast(Any, self.match.func)  # DRF's as_view() sets `cls` and `initkwargs`
        view = func.cls(**getattr(func, "initkwargs", {}))
        request = self.factory.get(self.path, {**self.params, "page_size": str(self.size)})
        force_authenticate(request, user=self.user)
        view.setup(request, *self.match.args, **self.match.kwargs)
        view.action_map = getattr(func, "actions", {})  # a viewset's, as its as_view sets it
        view.request = view.initialize_request(request)
        view.format_kwarg = None
        view.action = "list"
        return view

    def rows(self) -> tuple[QuerySet[Any], CursorPagination, int]:
        """The filtered queryset in the page order, its paginator, and how many rows."""
        view = self.view()
        queryset = view.filter_queryset(view.get_queryset())
        paginator = view.paginator
        if not isinstance(paginator, CursorPagination):
            paginator = getattr(paginator, "keyset", None)  # the catalogue's, without `q`
        if not isinstance(paginator, CursorPagination):
            raise CommandError(f"{self.path} is not paged by keyset")
        paginator.model = queryset.model
        paginator.ordering = paginator.get_ordering(view.request, queryset, view)
        ordered = queryset.order_by(*paginator.ordering)
        return ordered, paginator, queryset.order_by().count()

    def deep_cursor(self, depth: int) -> tuple[str | None, int]:
        """The cursor of page `depth` (or the last page) and the page number it is."""
        ordered, paginator, total = self.rows()
        page = max(1, min(depth, (total - 1) // self.size + 1))
        if page == 1:
            return None, 1
        before = ordered[(page - 1) * self.size - 1]
        link = paginator.link_after(self.path, paginator.key_of(before))
        return parse_qs(urlparse(link).query)["cursor"][0], page

    def offset_ms(self, page: int, repeat: int) -> float:
        """The deep page as page numbers fetched it: COUNT(*) and OFFSET on the same query."""
        ordered, _, _ = self.rows()
        start = (page - 1) * self.size

        def run() -> None:
            ordered.count()
            list(ordered[start : start + self.size])

        return timed(run, repeat)


def timed(run: Any, repeat: int) -> float:
    run()  # plans and buffers warmed once
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return round(median(samples), 2)


class Command(BenchCommand):
    help = "Benchmark keyset pages: the first page against a deep one, per list."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print JSON instead of a table.")
        parser.add_argument("--page-size", type=int, default=20)
        parser.add_argument("--depth", type=int, default=5000, help="The deep page's number.")
        parser.add_argument("--repeat", type=int, default=7)

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(is_superuser=True, is_active=True).first()
        if user is None:
            raise CommandError("No superuser to call the API as: seed first (seed_demo).")
        results = [
            self._measure(label, path, params, user, options)
            for label, (path, params) in lists().items()
        ]
        if options["json"]:
            self.stdout.write(json.dumps(results, indent=2))
        else:
            self._table(results, options)

    def _measure(
        self, label: str, path: str, params: dict[str, str], user: Any, options: dict[str, Any]
    ) -> dict[str, Any]:
        lister = Lister(path, params, user, options["page_size"])
        cursor, page = lister.deep_cursor(options["depth"])
        first = timed(lister.get, options["repeat"])
        deep = timed(
            lambda: lister.get(cursor=cursor) if cursor else lister.get(), options["repeat"]
        )
        ratio = round(deep / max(first, 1e-6), 2)
        return {
            "list": label,
            "deep_page": page,
            "first_ms": first,
            "deep_ms": deep,
            "ratio": ratio,
            "goal_met": ratio <= GOAL_RATIO,
            "offset_count_ms": lister.offset_ms(page, options["repeat"]),
        }

    def _table(self, results: list[dict[str, Any]], options: dict[str, Any]) -> None:
        write = self.stdout.write
        write(
            f"bench_pages: page size {options['page_size']}, deep page = page {options['depth']}"
            f" or the last; median of {options['repeat']}; through the views (JSON rendered)"
        )
        write(
            f"{'list':<20}{'deep page':>10}{'page 1 ms':>11}{'deep ms':>10}{'deep/1':>8}"
            f"{'goal <=1.5x':>13}{'offset+count ms':>17}"
        )
        for row in results:
            verdict = "met" if row["goal_met"] else "MISSED"
            write(
                f"{row['list']:<20}{row['deep_page']:>10}{row['first_ms']:>11.2f}"
                f"{row['deep_ms']:>10.2f}{row['ratio']:>8.2f}{verdict:>13}"
                f"{row['offset_count_ms']:>17.2f}"
            )
        write("(offset+count: the same deep page the way page numbers read it, queries only)")
        met = sum(row["goal_met"] for row in results)
        write(f"goal (deep page <= {GOAL_RATIO}x page 1): met for {met} of {len(results)} lists")
