"""Run a book-list loading strategy and report what it cost: queries, their SQL, time and rows.

Used by the lab page, its API endpoint and `bench_library`, so all three measure the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from statistics import median
from typing import Any

from django.db import connection

from library.selectors import BOOK_ROW_STRATEGIES, BookRow

STRATEGIES = tuple(BOOK_ROW_STRATEGIES)


# The lab page times each strategy this many times (after one warm-up) and shows the median with
# the fastest and slowest run: one run is noise (a reload once reversed two strategies).
RUNS = 7
# Page sizes of the lab's query-count chart (each strategy loaded once per size).
CHART_SIZES = (1, 5, 10, 25, 50)


@dataclass
class StrategyReport:
    strategy: str
    queries: int
    milliseconds: float
    sql: list[str]
    rows: list[BookRow]
    runs: int = 1
    fastest: float = 0.0
    slowest: float = 0.0

    def __post_init__(self) -> None:
        self.fastest = self.fastest or self.milliseconds
        self.slowest = self.slowest or self.milliseconds


def measure(strategy: str, limit: int) -> StrategyReport:
    """Load `limit` books with `strategy` once, capturing every query it ran."""
    load = BOOK_ROW_STRATEGIES[strategy]
    connection.ensure_connection()  # opening one runs setup queries that are not the strategy's
    sql: list[str] = []
    with connection.execute_wrapper(_recorder(sql)):
        started = time.perf_counter()
        rows = load(limit)
        elapsed = time.perf_counter() - started
    return StrategyReport(strategy, len(sql), elapsed * 1000, sql, rows)


def _recorder(sql: list[str]) -> Callable[..., Any]:
    """An execute wrapper appending each statement to `sql`.

    Not CaptureQueriesContext (its log keeps only the last 9000 queries, fewer than the lazy
    strategy runs for 1000 books) nor telemetry.collect() (it keeps statements without their
    parameters, and students should read the SQL exactly as the debug toolbar shows it).
    """

    def record(
        execute: Callable[..., Any],
        statement: str,
        params: Any,
        many: bool,
        context: dict[str, Any],
    ) -> Any:
        try:
            return execute(statement, params, many, context)
        finally:
            # With its parameters in place, as the debug toolbar shows it.
            cursor = context["cursor"]
            sql.append(connection.ops.last_executed_query(cursor, statement, params))

    return record


def measure_median(strategy: str, limit: int, repeat: int) -> StrategyReport:
    """`measure` `repeat` times after one warm-up run; the time reported is the median, with
    the fastest and the slowest run beside it."""
    measure(strategy, limit)
    reports = [measure(strategy, limit) for _ in range(repeat)]
    times = [report.milliseconds for report in reports]
    first = reports[0]
    first.milliseconds, first.runs = median(times), repeat
    first.fastest, first.slowest = min(times), max(times)
    return first


def query_counts(sizes: tuple[int, ...] = CHART_SIZES) -> dict[str, list[tuple[int, int]]]:
    """`{strategy: [(books loaded, queries), ...]}` at each page size: one load per point (the
    count does not vary between runs, so no repeats)."""
    points: dict[str, list[tuple[int, int]]] = {}
    for strategy in STRATEGIES:
        reports = [measure(strategy, size) for size in sizes]
        points[strategy] = sorted({(len(r.rows), r.queries) for r in reports})
    return points
