"""The benchmark and the seed run end to end on small data (timings are printed, never asserted)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from library import seed
from library.management.commands import bench_library
from library.models import Book, Copy, Hold, Loan, Member

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_library(monkeypatch) -> None:
    monkeypatch.setitem(seed.SIZES, "small", (12, 5, 6, 40))
    seed.seed(size="small", log=lambda line: None)


def test_seed_is_idempotent_and_consistent(small_library):
    counts = [Book.objects.count(), Copy.objects.count(), Member.objects.count()]
    loans = Loan.objects.count()
    seed.seed(size="small", log=lambda line: None)
    assert [Book.objects.count(), Copy.objects.count(), Member.objects.count()] == counts
    assert Loan.objects.count() == loans == 40
    active = Loan.objects.filter(returned_at__isnull=True).values_list("copy_id", flat=True)
    assert set(Copy.objects.filter(status=Copy.Status.ON_LOAN).values_list("id", flat=True)) == set(
        active
    )
    assert Hold.objects.exists()


def test_bench_library_prints_every_section_as_json(small_library):
    out = StringIO()
    call_command("bench_library", "--json", "--repeat", "1", stdout=out)
    results = json.loads(out.getvalue())
    assert {row["strategy"] for row in results["strategies"]} == {
        "lazy",
        "select_related",
        "prefetch_related",
        "prefetch_to_attr",
        "only",
    }
    assert {row["books"] for row in results["strategies"]} == {10}
    assert results["search"][0]["indexed_plan"]
    api = {row["query"]: row for row in results["search_api"]}
    assert set(api) == {*bench_library.SEARCH_TERMS, bench_library.TYPO_TERM}
    assert api[bench_library.TYPO_TERM]["answered_by"] == "trigram"
    for row in api.values():
        assert row["cold_ms"] > 0 and row["warm_ms"] > 0
        assert {row["cold_goal"], row["warm_goal"]} <= {"met", "NOT met"}
    assert [row["pagination"] for row in results["pagination"]] == ["offset"] * 2 + ["cursor"] * 2


def test_bench_library_prints_tables(small_library):
    out = StringIO()
    call_command("bench_library", "--repeat", "1", stdout=out)
    text = out.getvalue()
    assert "Book list by loading strategy" in text
    assert "Search: top 20 by rank" in text
    assert "Search API GET /api/library/books/?q=" in text
    assert "Loan list, newest first" in text


def test_bench_library_lab_shows_a_second_miss_measuring_nothing(small_library):
    out = StringIO()
    call_command("bench_library", "--lab", "--json", "--repeat", "1", stdout=out)
    rows = json.loads(out.getvalue())["lab"]
    assert [row["limit"] for row in rows] == list(bench_library.LAB_LIMITS)
    assert all(row["during_queries"] == 0 and row["during_status"] == 503 for row in rows)
    assert all(row["cold_queries"] > row["hit_queries"] for row in rows)
