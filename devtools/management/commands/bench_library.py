"""`manage.py bench_library [--json]`: what each way of reading the library costs, in one run.

1. The book list (authors, category, copies on the shelf) under each loading strategy, for 10,
   100 and 1000 books: query count and median time side by side.
2. On PostgreSQL: full-text search through the GIN-indexed stored tsvector against the same
   search computed row by row (no index can help).
3. On PostgreSQL: the search API itself, `GET /api/library/books/?q=` (the view through
   RequestFactory: filter, count, page, authors, JSON), per term, against the query shape it
   replaced (full text OR trigram ranked by GREATEST, exact COUNT) on the same page: cold (the
   search cache's rankings invalidated before every request, so it counts and ranks) and warm
   (a repeated search: count and page keys from the cache, the rows from the database).
4. The loan list, newest first: OFFSET pagination against keyset (cursor) pagination, on the
   first page and on the last.
5. `--lab` alone: what one anonymous `/library/lab/` request costs the worker at 5, 20 and 50
   books: the work the page did on every request before its measurement was bounded and
   cached (every strategy seven times after a warm-up, then the chart), the first visit (nothing
   cached), a page size not cached yet (the chart cached), a second visit arriving while the
   first measures that size (told to retry, it measures nothing) and a hit; with the load
   average, since the machine may be shared.

Run it against `seed_demo --size large` for meaningful search and pagination figures.
"""

from __future__ import annotations

import inspect
import json
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from statistics import median
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.core.management.base import CommandParser
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Greatest
from django.test import RequestFactory
from rest_framework.renderers import JSONRenderer

from common.cache.readthrough import invalidate, invalidate_family
from devtools.bench.report import BenchCommand
from library import lab, selectors
from library.api import BookListView
from library.caching import LAB, SEARCHES
from library.models import SEARCH_CONFIG, Book, Loan
from library.serializers import BookSerializer
from library.views import lab_page

SIZES = (10, 100, 1000)
LAB_LIMITS = (5, 20, 50)
SEARCH_TERMS = ("river", "quantum theorem", "hidden garden lisbon", "consistency")
TYPO_TERM = "Luminous Cathedrl"
PAGE = 20
OPTIMIZED = ("prefetch_to_attr", "only")
API_GOAL_MS = 50


def _nothing() -> None:
    """Nothing to prepare between runs."""


def _median_ms(run: Callable[[], Any], repeat: int, before: Callable[[], None] = _nothing) -> float:
    run()  # warm-up: plans and buffers
    samples = []
    for _ in range(repeat):
        before()  # untimed
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return median(samples)


def _fetch(queryset: QuerySet[Any]) -> Callable[[], list[Any]]:
    """Runs the query afresh on every call (a queryset keeps the rows it has fetched once)."""
    return lambda: list(queryset.all())


def _plan(queryset: Any) -> str:
    """How PostgreSQL reads the queryset's own table, e.g. `Index Scan Backward using ..._pkey`.

    Search indexes are named first: a bitmap scan reaches the table through them.
    """
    plan = queryset.explain()
    for index in ("book_search_gin", "book_title_trgm_gin"):
        if index in plan:
            return f"Bitmap Index Scan using {index}"
    table = f" on {queryset.model._meta.db_table}"
    for line in plan.splitlines():
        if table in line:
            return line.split(table)[0].replace("->", "").strip()
    return "other"


class Command(BenchCommand):
    help = "Benchmark loading strategies, search and pagination of the library (one run)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print JSON, not tables."
        )
        parser.add_argument("--repeat", type=int, default=5, help="Timed runs per cell.")
        parser.add_argument(
            "--lab", action="store_true", dest="lab_only", help="Only the lab page's cost."
        )

    def report_name(self, options: dict[str, Any]) -> str | None:
        return "bench_library_lab" if options["lab_only"] else "bench_library"

    def handle(
        self, *args: Any, as_json: bool, repeat: int, lab_only: bool, **options: Any
    ) -> None:
        if lab_only:
            self._lab_page(as_json, repeat)
            return
        books = Book.objects.count()
        results = {
            "books": books,
            "loans": Loan.objects.count(),
            "strategies": self._strategies(books, repeat),
            "search": self._search(repeat) if connection.vendor == "postgresql" else [],
            "search_api": self._search_api(repeat) if connection.vendor == "postgresql" else [],
            "pagination": self._pagination(repeat),
        }
        if as_json:
            self.stdout.write(json.dumps(results, indent=2))
        else:
            self._print(results)

    # --- measurements -------------------------------------------------------------------------
    def _lab_page(self, as_json: bool, repeat: int) -> None:
        rows = [_lab_costs(limit, repeat) for limit in LAB_LIMITS]
        load = (
            Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
        )
        if as_json:
            self.stdout.write(json.dumps({"loadavg": load, "lab": rows}, indent=2))
            return
        self.stdout.write(f"Library: {Book.objects.count():,} books; load average {' '.join(load)}")
        self._table(
            "One anonymous GET /library/lab/?limit=N, worker time (ms, median) and queries: "
            "before = every strategy 1+7 times and the chart on every request; cold = nothing "
            "cached (the bounded measurement and the chart); miss = this size not cached, the "
            "chart cached; during = a second miss while the first measures (single flight: "
            "answered 'being measured', status in the last column); hit = served from the cache",
            [
                "limit",
                "before_ms",
                "before_queries",
                "cold_ms",
                "cold_queries",
                "miss_ms",
                "miss_queries",
                "during_ms",
                "during_queries",
                "during_status",
                "hit_ms",
                "hit_queries",
            ],
            rows,
        )

    def _strategies(self, books: int, repeat: int) -> list[dict[str, Any]]:
        rows = []
        for size in (size for size in SIZES if size <= max(books, SIZES[0])):
            for strategy in lab.STRATEGIES:
                # The lazy list at 1000 books is thousands of queries: fewer runs still show it.
                runs = max(1, repeat // 2) if size >= 1000 and strategy == "lazy" else repeat
                report = lab.measure_median(strategy, size, runs)
                rows.append(
                    {
                        "books": size,
                        "strategy": strategy,
                        "queries": report.queries,
                        "ms": round(report.milliseconds, 2),
                    }
                )
        return rows

    def _search(self, repeat: int) -> list[dict[str, Any]]:
        rows = []
        for term in SEARCH_TERMS:
            indexed = selectors.full_text_ranked(term, use_index=True)
            on_the_fly = selectors.full_text_ranked(term, use_index=False)
            rows.append(
                {
                    "query": term,
                    "matches": indexed.count(),
                    "indexed_ms": round(_median_ms(_fetch(indexed[:PAGE]), repeat), 2),
                    "indexed_plan": _plan(indexed[:PAGE]),
                    "unindexed_ms": round(
                        _median_ms(_fetch(on_the_fly[:PAGE]), max(1, repeat // 2)), 2
                    ),
                    "unindexed_plan": _plan(on_the_fly[:PAGE]),
                }
            )
        return rows

    def _search_api(self, repeat: int) -> list[dict[str, Any]]:
        rows = []
        for term in (*SEARCH_TERMS, TYPO_TERM):
            old_count, _ = _old_api_page(term)
            body = json.loads(_api_page(term))
            forget = partial(invalidate_family, SEARCHES)
            cold_ms = _median_ms(partial(_api_page, term), repeat, before=forget)
            warm_ms = _median_ms(partial(_api_page, term), repeat)
            rows.append(
                {
                    "query": term,
                    "old_matches": old_count,
                    "old_ms": round(_median_ms(partial(_old_api_page, term), repeat), 2),
                    "matches": f"{body['count']:,}" + ("" if body["count_exact"] else "+"),
                    "answered_by": "full text" if selectors.full_text_finds(term) else "trigram",
                    "cold_ms": round(cold_ms, 2),
                    "cold_goal": "met" if cold_ms <= API_GOAL_MS else "NOT met",
                    "warm_ms": round(warm_ms, 2),
                    "warm_goal": "met" if warm_ms <= API_GOAL_MS else "NOT met",
                }
            )
        return rows

    def _pagination(self, repeat: int) -> list[dict[str, Any]]:
        loans = selectors.all_loans().order_by("-id")
        total = loans.count()
        if total < PAGE:
            return []
        deep = total - PAGE
        # The cursor of the last page: the id just above it (what the API's cursor encodes).
        boundary = loans.values_list("id", flat=True)[deep - 1] if deep else None
        cases = {
            ("offset", "first page"): loans[:PAGE],
            ("offset", f"offset {deep:,}"): loans[deep : deep + PAGE],
            ("cursor", "first page"): loans[:PAGE],
            ("cursor", f"after id {boundary}"): loans.filter(id__lt=boundary or 0)[:PAGE],
        }
        return [
            {
                "pagination": kind,
                "page": page,
                "ms": round(_median_ms(_fetch(query), repeat), 2),
                "plan": _plan(query),
            }
            for (kind, page), query in cases.items()
        ]

    # --- output -------------------------------------------------------------------------------
    def _print(self, results: dict[str, Any]) -> None:
        self.stdout.write(f"Library: {results['books']:,} books, {results['loans']:,} loans")
        self._print_strategies(results["strategies"])
        self._table(
            "Search: top 20 by rank, median ms",
            ["query", "matches", "indexed_ms", "indexed_plan", "unindexed_ms", "unindexed_plan"],
            results["search"],
        )
        self._table(
            f"Search API GET /api/library/books/?q= (page of {PAGE} with its count), median ms; "
            "old = full text OR trigram by GREATEST with an exact COUNT; cold = ranked afresh "
            f"(search cache invalidated), warm = ranking cached; goal <= {API_GOAL_MS} ms",
            [
                "query",
                "old_matches",
                "old_ms",
                "matches",
                "answered_by",
                "cold_ms",
                "cold_goal",
                "warm_ms",
                "warm_goal",
            ],
            results["search_api"],
        )
        self._table(
            "Loan list, newest first: 20 rows, median ms",
            ["pagination", "page", "ms", "plan"],
            results["pagination"],
        )

    def _print_strategies(self, rows: list[dict[str, Any]]) -> None:
        sizes = sorted({row["books"] for row in rows})
        cell = {(row["strategy"], row["books"]): row for row in rows}
        columns = {size: f"{size} books: queries / ms" for size in sizes}
        table = []
        for strategy in lab.STRATEGIES:
            row = {"strategy": strategy}
            for size, column in columns.items():
                row[column] = "{queries} / {ms}".format(**cell[strategy, size])
            table.append(row)
        headers = ["strategy", *columns.values()]
        self._table("Book list by loading strategy (median of runs)", headers, table)
        if 100 in sizes:
            self.stdout.write(_goal(cell))

    def _table(self, title: str, headers: list[str], rows: list[dict[str, Any]]) -> None:
        if not rows:
            self.stdout.write(f"\n{title}: skipped (needs PostgreSQL and data)")
            return
        widths = [max(len(h), *(len(_cell(row[h])) for row in rows)) for h in headers]
        self.stdout.write(f"\n{title}")
        titles = (h.ljust(w) for h, w in zip(headers, widths, strict=True))
        self.stdout.write("  ".join(titles).rstrip())
        self.stdout.write("  ".join("-" * w for w in widths))
        for row in rows:
            cells = (_cell(row[h]).ljust(w) for h, w in zip(headers, widths, strict=True))
            self.stdout.write("  ".join(cells).rstrip())


def _old_search(books: QuerySet[Book], text: str) -> QuerySet[Book]:
    """The search the API ran before full text came first (kept here to time against): full
    text OR whole-title OR word similarity, in one query, ranked by the better score."""
    query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
    close_title = Q(title__trigram_similar=text) | Q(title__trigram_word_similar=text)
    return (
        books.annotate(
            rank=SearchRank(F("search_document"), query),
            similarity=TrigramWordSimilarity(text, "title"),
        )
        .filter(Q(search_document=query) | close_title)
        .order_by(Greatest("rank", "similarity").desc(), "title", "id")
    )


def _old_api_page(term: str) -> tuple[int, bytes]:
    """What the view did with the old search: an exact COUNT, then the page as JSON."""
    books = _old_search(selectors.book_list(), term)
    count = books.count()
    return count, JSONRenderer().render(BookSerializer(books[:PAGE], many=True).data)


def _api_page(term: str) -> bytes:
    """The book list view itself, answering `?q=term` (throttling off: it is not what is timed,
    and repeated runs would exhaust the anonymous rate)."""
    request = RequestFactory(SERVER_NAME="localhost").get("/api/library/books/", {"q": term})
    response = BookListView.as_view(throttle_classes=[])(request)
    response.render()
    if response.status_code != 200:
        raise RuntimeError(f"book search answered {response.status_code}: {response.content!r}")
    return response.content


def _cell(value: Any) -> str:
    return "-" if value is None else f"{value:,}" if isinstance(value, int) else str(value)


def _goal(cell: dict[tuple[str, int], dict[str, Any]]) -> str:
    lazy = cell["lazy", 100]
    best = min((cell[name, 100] for name in OPTIMIZED), key=lambda row: row["ms"])
    speedup = lazy["ms"] / best["ms"] if best["ms"] else float("inf")
    met = best["queries"] <= 4 and speedup >= 5
    return (
        f"\nGoal at 100 books (optimized <= 4 queries, >= 5x faster than lazy): "
        f"{best['strategy']} {best['queries']} queries, {speedup:.1f}x -> "
        f"{'met' if met else 'NOT met'}"
    )


def _counted(run: Callable[[], Any]) -> tuple[float, int]:
    """Milliseconds and queries of one call of `run`."""
    sent = 0

    def count(execute: Callable[..., Any], *args: Any) -> Any:
        nonlocal sent
        sent += 1
        return execute(*args)

    with connection.execute_wrapper(count):
        started = time.perf_counter()
        run()
        elapsed = (time.perf_counter() - started) * 1000
    return elapsed, sent


def _lab_request(limit: int) -> int:
    request = RequestFactory().get("/library/lab/", {"limit": limit})
    request.user = AnonymousUser()
    return int(inspect.unwrap(lab_page)(request).status_code)  # without its throttle: the work


def _lab_request_during_measurement(limit: int) -> tuple[float, int, int]:
    """Milliseconds, queries and status of a request for `limit` books made, on a thread of its
    own, while another request is measuring that size (from its first query on the books)."""
    invalidate(LAB, [limit])
    second: dict[str, Any] = {}

    def ask() -> None:
        statuses: list[int] = []
        try:
            second["ms"], second["queries"] = _counted(lambda: statuses.append(_lab_request(limit)))
            second["status"] = statuses[0]
        finally:
            connection.close()  # the thread's own connection

    def ask_while_measuring(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        if "library_book" in sql and "asked" not in second:
            second["asked"] = True
            thread = threading.Thread(target=ask)
            thread.start()
            thread.join()
        return execute(sql, *args)

    with connection.execute_wrapper(ask_while_measuring):
        _lab_request(limit)
    return second["ms"], second["queries"], second["status"]


def _old_lab_page(limit: int) -> None:
    """What the page ran on every request before: every strategy 1+7 times, then the chart."""
    for strategy in lab.STRATEGIES:
        lab.measure_median(strategy, limit, lab.RUNS)
    lab.query_counts()


def _lab_costs(limit: int, repeat: int) -> dict[str, Any]:
    def median_of(
        run: Callable[[], Any], before: Callable[[], None] = _nothing
    ) -> tuple[float, int]:
        samples = []
        for _ in range(repeat):
            before()
            samples.append(_counted(run))
        return median(ms for ms, _ in samples), samples[-1][1]

    old_ms, old_queries = median_of(partial(_old_lab_page, limit))
    cold_ms, cold_queries = median_of(partial(_lab_request, limit), partial(invalidate_family, LAB))
    miss_ms, miss_queries = median_of(
        partial(_lab_request, limit), partial(invalidate, LAB, [limit])
    )
    during_ms, during_queries, during_status = _lab_request_during_measurement(limit)
    hit_ms, hit_queries = median_of(partial(_lab_request, limit))
    return {
        "limit": limit,
        "before_ms": round(old_ms),
        "before_queries": old_queries,
        "cold_ms": round(cold_ms),
        "cold_queries": cold_queries,
        "miss_ms": round(miss_ms),
        "miss_queries": miss_queries,
        "during_ms": round(during_ms),
        "during_queries": during_queries,
        "during_status": during_status,
        "hit_ms": round(hit_ms, 1),
        "hit_queries": hit_queries,
    }
