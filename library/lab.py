"""Run a book-list loading strategy and report what it cost: queries, their SQL, time and rows.

Used by the lab page, its API endpoint and `bench_library`, so all three measure the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from statistics import median
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from redis.exceptions import RedisError

from common import sql_text
from common.breaker import CircuitOpenError
from common.cache.backends import strict
from common.cache.readthrough import read_many
from library.caching import LAB
from library.selectors import BOOK_ROW_STRATEGIES, BookRow

STRATEGIES = tuple(BOOK_ROW_STRATEGIES)


# The lab page times each strategy up to this many times (after one warm-up) and shows the median
# with the fastest and slowest run: one run is noise (a reload once reversed two strategies).
RUNS = 7
# Seconds of repeated runs one page measurement may spend on each strategy: past it, the strategy
# keeps the runs it has (at least one). On the large seed seven runs of every strategy at 50 books
# held a worker for seconds; the budget bounds a measurement whatever the catalogue's size.
BUDGET_PER_STRATEGY = 0.1
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
    warmed_up: bool = False  # whether an untimed run came first

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


def measure_median(
    strategy: str, limit: int, repeat: int, budget: float | None = None
) -> StrategyReport:
    """`measure` up to `repeat` times after one warm-up run, stopping early once `budget` seconds
    have passed (None: no limit); the time reported is the median, with the fastest and the
    slowest run beside it. A warm-up that alone takes the whole budget is the only run: a cold
    run is still a measurement, and a second one would double what the caller waits."""
    warm_up = measure(strategy, limit)
    if budget is not None and warm_up.milliseconds >= budget * 1000:
        return warm_up
    deadline = None if budget is None else time.perf_counter() + budget
    reports = [measure(strategy, limit)]
    while len(reports) < repeat and (deadline is None or time.perf_counter() < deadline):
        reports.append(measure(strategy, limit))
    repeat = len(reports)
    reports[0].warmed_up = True
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


# The lab page lists at most this many statements of a strategy, laid out once when measured
# (sqlparse takes milliseconds per statement: a hundred of them cost a cached page a second).
SHOWN_STATEMENTS = 50


@dataclass
class PageMeasurement:
    """What the lab page shows: the strategies at one page size and the chart's counts, each
    measured once and then served from the cache."""

    reports: list[StrategyReport]
    counts: dict[str, list[tuple[int, int]]]
    measured_at: str  # ISO time the strategies were measured
    queries_sent: int  # queries this request sent to measure (0 when all came from the cache)
    cached: bool


def _measure_strategies(limit: int) -> dict[str, Any]:
    reports = [
        measure_median(strategy, limit, RUNS, BUDGET_PER_STRATEGY) for strategy in STRATEGIES
    ]
    for report in reports:
        report.sql = [sql_text.readable(statement) for statement in report.sql[:SHOWN_STATEMENTS]]
    return {
        "reports": [asdict(report) for report in reports],
        "measured_at": timezone.now().isoformat(),
        "sent": sum(report.queries * (report.runs + report.warmed_up) for report in reports),
    }


def _count_chart() -> dict[str, Any]:
    counts = query_counts()
    return {"counts": counts, "sent": sum(q for series in counts.values() for _, q in series)}


def _report(data: dict[str, Any]) -> StrategyReport:
    rows = [BookRow(**{**row, "authors": tuple(row["authors"])}) for row in data["rows"]]
    return StrategyReport(**{**data, "rows": rows})


# How long a measurement keeps its claim on a page size: past it (a worker killed while measuring)
# another request may measure. Far above a measurement's length, which the budget bounds.
MEASURING_SECONDS = 60
# What a request that finds a page size being measured tells its client to wait, in seconds.
RETRY_AFTER = 2


class BeingMeasured(Exception):
    """Another request is measuring this page size (or the chart) right now."""


def _claim(ident: Any) -> bool:
    """Whether this request may measure `ident`: one request at a time does (single flight), so
    that simultaneous misses of one size cost one measurement, not one each. With the cache down
    nobody can claim anything, and the request measures as before."""
    try:
        with strict():
            return bool(cache.add(_claim_key(ident), 1, timeout=MEASURING_SECONDS))
    except (RedisError, TimeoutError, CircuitOpenError):  # the errors the cache fails open on
        return True


def _release(idents: list[Any]) -> None:
    cache.delete_many([_claim_key(ident) for ident in idents])


def _claim_key(ident: Any) -> str:
    return f"{LAB.name}:measuring:{ident}"


def page_measurement(limit: int) -> PageMeasurement:
    """The lab page's measurement at `limit` books and the chart, from the cache when an earlier
    request made them (until the family's TTL or a catalogue write): an anonymous page must not
    hold a worker for the whole measurement on every request. A value past its TTL is served
    while one request measures again; a missing one that another request is measuring raises
    `BeingMeasured` rather than measuring it a second time."""
    fresh: dict[Any, dict[str, Any]] = {}
    claimed: list[Any] = []

    def measure_missing(idents: list[Any]) -> dict[Any, dict[str, Any]]:
        # Every claim before any measurement, so that no part is free while another is measured.
        claimed.extend(ident for ident in idents if _claim(ident))
        for ident in claimed:
            fresh[ident] = _count_chart() if ident == "chart" else _measure_strategies(limit)
        return fresh  # the idents left out are not cached: their measurer will store them

    try:
        parts = read_many(LAB, [limit, "chart"], measure_missing).of(LAB)
    finally:
        _release(claimed)  # once stored, so that no request in between measures again
    if limit not in parts or "chart" not in parts:
        raise BeingMeasured
    strategies, chart = parts[limit], parts["chart"]
    return PageMeasurement(
        reports=[_report(report) for report in strategies["reports"]],
        counts={name: [(x, y) for x, y in series] for name, series in chart["counts"].items()},
        measured_at=strategies["measured_at"],
        queries_sent=sum(part["sent"] for part in fresh.values()),
        cached=not fresh,
    )
