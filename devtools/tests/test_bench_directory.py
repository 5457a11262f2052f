"""bench_directory end to end on a tiny school: its checks are asserted, never its timings."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from school.tests.factories import make_school

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_bench_reports_every_measure_and_no_stale_read() -> None:
    make_school(people=12)
    out = StringIO()
    call_command(
        "bench_directory",
        "--json",
        "--page-size=5",
        "--iterations=2",
        "--operations=60",
        "--writes=0.3",
        stdout=out,
    )
    results = json.loads(out.getvalue())

    bounded = results["bounded"]
    assert set(bounded) == {"5 people, every expansion", "the principal, expand=reports"}
    for row in bounded.values():
        assert row["floor"]["p50_ms"] > 0 and row["kb"] > 0
        assert set(row["goals"]) == {"page <= 100 KB", "cold p50 <= 2x floor", "warm p50 <= 10 ms"}
        assert row["goals"]["page <= 100 KB"] is True
    assert set(results["page"]) == {"cold_10", "cold", "warm_10", "warm", "no_cache"}
    assert results["page"]["warm"]["graph_queries"] == 0
    assert results["page"]["cold"]["graph_queries"] > 0
    assert results["replay"]["steady"]["writes"] > 0
    assert results["goals"]["zero_stale_reads"] is True
    assert results["goals"]["constant_store_calls"] is True
