"""`manage.py bench_admin [--runs N]`: what each admin changelist page costs, in one run.

For every large model: the plain list, searches the way staff ask (barcode, title, author,
username, card number, name), its filters and a deep page (`?p=1000`, or the last page short of
it), each rendered by the admin itself (`ModelAdmin.changelist_view` through RequestFactory,
template included, as a superuser), so the time is the page's: counts, search resolution, the
page, its related rows, the filters' choices. Prints the median over `--runs` and the queries
of one run side by side, against the goal (p50 <= 300 ms on the large seed).

It runs inside a transaction it rolls back (the superuser it creates leaves nothing behind), so
it may be pointed at a copy of the large seed without changing it. Run on
`seed_demo --size large`; on an empty database every page is trivially fast.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from statistics import median
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.management.base import CommandParser
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from devtools.bench.report import BenchCommand

GOAL_MS = 300.0
DEEP_PAGE = 1000

# (model label, page name, query string); "deep" is resolved to ?p=<min(1000, last page)>.
PAGES: list[tuple[str, str, dict[str, str]]] = [
    ("library.loan", "plain", {}),
    ("library.loan", "search barcode", {"q": "B0004567-1"}),
    ("library.loan", "search title", {"q": "Orchestra"}),
    ("library.loan", "search username", {"q": "reader00042"}),
    ("library.loan", "search card", {"q": "M000042"}),
    ("library.loan", "filter overdue", {"due": "overdue"}),
    ("library.loan", "filter due this week", {"due": "week"}),
    ("library.loan", "filter returned", {"state": "returned"}),
    ("library.loan", "filter year", {"loaned_at_year": "this year"}),
    ("library.loan", "deep", {}),
    ("library.copy", "plain", {}),
    ("library.copy", "search barcode", {"q": "B0004567"}),
    ("library.copy", "search title", {"q": "Ancient Orchestra Vienna"}),
    ("library.copy", "filter on loan", {"status__exact": "on_loan"}),
    ("library.copy", "deep", {}),
    ("library.book", "plain", {}),
    ("library.book", "search title", {"q": "river"}),
    ("library.book", "search typo", {"q": "Luminous Cathedrl"}),
    ("library.book", "search author", {"q": "Abbott"}),
    ("library.book", "deep", {}),
    ("library.member", "plain", {}),
    ("library.member", "search username", {"q": "reader00042"}),
    ("library.fine", "plain", {}),
    ("library.fine", "search card", {"q": "M000042"}),
    ("library.fine", "filter unpaid", {"settled": "unpaid"}),
    ("library.fine", "deep", {}),
    ("library.hold", "plain", {}),
    ("library.hold", "filter ready", {"queue": "ready"}),
    ("library.hold", "search title", {"q": "Orchestra"}),
    ("library.circulationevent", "plain", {}),
    ("library.circulationevent", "search barcode", {"q": "B0004567-1"}),
    ("people.person", "plain", {}),
    ("people.person", "search name", {"q": "Ada Ngata"}),
    ("people.person", "search email", {"q": "p0.1@"}),
    ("people.person", "deep", {}),
    ("delegation.delegation", "plain", {}),
    ("delegation.delegation", "search name", {"q": "Ngata"}),
    ("delegation.delegation", "deep", {}),
    ("school.enrollment", "plain", {}),
    ("school.enrollment", "search name", {"q": "Ada Ngata"}),
    ("school.enrollment", "deep", {}),
    ("common.auditentry", "plain", {}),
    ("common.auditentry", "filter entity", {"entity": "loan"}),
    ("common.outboxevent", "plain", {}),
]


class Command(BenchCommand):
    help = "Time every large admin changelist (plain, search, filter, deep page) in one run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--runs", type=int, default=5, help="timed runs per page (median)")
        parser.add_argument(
            "--only", default="", help="model labels to run, comma-separated (library.loan)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        only = {label for label in options["only"].split(",") if label}
        pages = [page for page in PAGES if not only or page[0] in only]
        with transaction.atomic():
            user = get_user_model()._default_manager.create_superuser(
                "bench-admin", "bench-admin@campus.example", None
            )
            rows = [self._measure(user, *page, runs=options["runs"]) for page in pages]
            transaction.set_rollback(True)
        self._print(rows)

    def _measure(
        self, user: Any, label: str, name: str, query: dict[str, str], runs: int
    ) -> tuple[str, ...]:
        model = apps.get_model(label)
        model_admin = admin.site.get_model_admin(model)
        query = self._resolve(model, model_admin, name, query)
        factory = RequestFactory()

        def render() -> tuple[int, int]:
            request = factory.get("/", query)
            request.user = user
            request._messages = CookieStorage(request)  # type: ignore[attr-defined]
            response = model_admin.changelist_view(request)
            if not hasattr(response, "render"):  # a redirect: ?e=1, the admin refused the query
                return response.status_code, 0
            response.render()
            changelist = response.context_data["cl"]  # type: ignore[attr-defined]
            return response.status_code, len(changelist.result_list)

        with CaptureQueriesContext(connection) as queries:
            status, shown = render()  # also the warm-up: plans and buffers
        samples = list(_timed(render, runs))
        p50 = median(samples)
        shown_query = "&".join(f"{key}={value}" for key, value in query.items()) or "-"
        return (
            label.split(".")[1],
            name,
            shown_query,
            str(shown) if status == 200 else f"HTTP {status}",
            str(len(queries.captured_queries)),
            f"{p50:.1f}",
            f"{max(samples):.1f}",
            "met" if p50 <= GOAL_MS else "MISSED",
        )

    def _resolve(
        self, model: Any, model_admin: Any, name: str, query: dict[str, str]
    ) -> dict[str, str]:
        """Placeholders: the deep page short of the end, this year for a year filter."""
        query = dict(query)
        if name == "deep":
            rows = model._default_manager.count()
            last = max(1, -(-rows // model_admin.list_per_page))
            query["p"] = str(min(DEEP_PAGE, last))
        for key, value in query.items():
            if value == "this year":
                query[key] = str(timezone.localdate().year)
        return query

    def _print(self, rows: list[tuple[str, ...]]) -> None:
        header = ("model", "page", "query", "rows", "queries", "p50_ms", "max_ms", "goal")
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            self.stdout.write(
                "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            )
        met = sum(row[-1] == "met" for row in rows)
        self.stdout.write(
            f"Goal (every page p50 <= {GOAL_MS:.0f} ms): {met} of {len(rows)} met "
            "(p50: median of the timed runs, after one warm-up run; queries: of one run)."
        )


def _timed(render: Any, runs: int) -> Iterator[float]:
    for _ in range(runs):
        started = time.perf_counter()
        render()
        yield (time.perf_counter() - started) * 1000
