"""The bench commands' reports: the tables as printed, under a header of what ran, when, where."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandParser

from devtools.bench.report import BenchCommand

TABLE = "strategy   p50 ms\nplain        1.20\nindexed      0.40\n"


class Example(BenchCommand):
    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--rows", type=int, default=2)
        parser.add_argument("--only", default="")

    def report_name(self, options: dict[str, Any]) -> str | None:
        return super().report_name(options) and "bench_example"

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write('{"p50": 1.2}' if options["json"] else TABLE, ending="")


@pytest.fixture
def reports(settings: Any, tmp_path: Path) -> Path:
    settings.BENCH_REPORTS_DIR = tmp_path
    return tmp_path


@pytest.mark.django_db
def test_the_report_holds_the_header_and_the_tables_as_printed(reports: Path) -> None:
    out = StringIO()
    call_command(Example(), stdout=out)
    assert out.getvalue() == TABLE
    report = (reports / "bench_example.md").read_text()
    for field in ("command", "date (UTC)", "machine", "software", "load average"):
        assert re.search(rf"^\| {re.escape(field)}[^|]* \| .+ \|$", report, re.MULTILINE), field
    assert re.search(r"\d+ cores, [\d.]+ GiB RAM", report)
    assert re.search(r"Python 3\.\d+\.\d+, PostgreSQL \d+", report)
    assert re.search(r"[\d.]+ [\d.]+ [\d.]+ at start, [\d.]+ [\d.]+ [\d.]+ at end", report)
    assert f"```text\n{TABLE}```\n" in report


@pytest.mark.django_db
def test_the_command_line_is_the_one_typed(reports: Path, capsys: Any) -> None:
    Example().run_from_argv(["/app/manage.py", "bench_example", "--rows", "3"])
    assert capsys.readouterr().out == TABLE
    report = (reports / "bench_example.md").read_text()
    assert "| command | `manage.py bench_example --rows 3` |" in report


def test_no_write_json_only_and_the_test_settings_write_nothing(
    reports: Path, settings: Any
) -> None:
    call_command(Example(), "--no-write", stdout=StringIO())
    call_command(Example(), "--json", stdout=StringIO())
    call_command(Example(), "--only", "plain", stdout=StringIO())
    settings.BENCH_REPORTS_DIR = None
    call_command(Example(), stdout=StringIO())
    assert list(reports.iterdir()) == []
