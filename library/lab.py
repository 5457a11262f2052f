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


@dataclass
class StrategyReport:
    strategy: str
    queries: int
    milliseconds: float
    sql: list[str]
    rows: list[BookRow]


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
    """`measure` `repeat` times after one warm-up run; the time reported is the median."""
    measure(strategy, limit)
    reports = [measure(strategy, limit) for _ in range(repeat)]
    reports[0].milliseconds = median(report.milliseconds for report in reports)
    return reports[0]
