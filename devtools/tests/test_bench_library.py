"""bench_library runs end to end on small data (timings are printed, never asserted)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from devtools.management.commands import bench_library
from library.tests.test_seed import small_library  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_library")]


def test_bench_library_prints_every_section_as_json():
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


def test_bench_library_prints_tables():
    out = StringIO()
    call_command("bench_library", "--repeat", "1", stdout=out)
    text = out.getvalue()
    assert "Book list by loading strategy" in text
    assert "Search: top 20 by rank" in text
    assert "Search API GET /api/library/books/?q=" in text
    assert "Loan list, newest first" in text


def test_bench_library_lab_shows_a_second_miss_measuring_nothing():
    out = StringIO()
    call_command("bench_library", "--lab", "--json", "--repeat", "1", stdout=out)
    rows = json.loads(out.getvalue())["lab"]
    assert [row["limit"] for row in rows] == list(bench_library.LAB_LIMITS)
    assert all(row["during_queries"] == 0 and row["during_status"] == 503 for row in rows)
    assert all(row["cold_queries"] > row["hit_queries"] for row in rows)
