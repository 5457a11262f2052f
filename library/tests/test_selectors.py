"""Loading strategies give the same rows at the query counts they promise; category subtrees."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from library import lab, selectors
from library.tests.factories import (
    BookAuthorFactory,
    BookFactory,
    CategoryFactory,
    CopyFactory,
    LoanFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def books() -> None:
    for number in range(6):
        book = BookFactory(title=f"Title {number}")
        BookAuthorFactory(book=book, position=2)
        BookAuthorFactory(book=book, position=1)
        CopyFactory(book=book)
        LoanFactory(copy__book=book)


# queries for N books with two authors each: the cost model each strategy is meant to show
EXPECTED_QUERIES = {
    "lazy": lambda n: 1 + n * (1 + 1 + 2 + 1),
    "select_related": lambda n: 1 + n * 2,
    "prefetch_related": lambda n: 4,
    "prefetch_to_attr": lambda n: 2,
    "only": lambda n: 2,
}


@pytest.mark.parametrize("strategy", lab.STRATEGIES)
def test_each_strategy_runs_the_queries_it_promises(books, strategy):
    for limit in (3, 6):
        report = lab.measure(strategy, limit)
        assert report.queries == EXPECTED_QUERIES[strategy](limit)
        assert len(report.rows) == limit


def test_every_strategy_returns_the_same_rows(books):
    expected = lab.measure("lazy", 6).rows
    assert all(row.authors and row.available == 1 for row in expected)
    for strategy in lab.STRATEGIES:
        assert lab.measure(strategy, 6).rows == expected


def test_category_subtree_is_one_query():
    root = CategoryFactory()
    child = CategoryFactory(parent=root)
    grandchild = CategoryFactory(parent=child)
    CategoryFactory()
    with CaptureQueriesContext(connection) as captured:
        ids = selectors.category_subtree_ids(root.pk)
    assert sorted(ids) == sorted([root.pk, child.pk, grandchild.pk])
    assert len(captured.captured_queries) == 1


def test_median_measure_reports_the_median_time(books):
    report = lab.measure_median("only", 3, repeat=3)
    assert report.queries == 2
    assert report.milliseconds > 0


def test_a_measurement_stops_repeating_once_its_budget_is_spent():
    BookAuthorFactory()
    assert lab.measure_median("lazy", 1, repeat=7, budget=0).runs == 1
    assert lab.measure_median("lazy", 1, repeat=3, budget=None).runs == 3
