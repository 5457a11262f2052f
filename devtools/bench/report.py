"""The bench commands' reports: each prints its tables and also writes them, as printed, to
`<BENCH_REPORTS_DIR>/<name>.md` (docs/benchmarks/ in local settings; the test settings write
nothing) under a header saying what ran, when, on which machine and under what load. So the
figures the READMEs link to always come from a real run, never from a hand edit.

`--no-write` prints only; so do `--json` and the partial runs a command names (`report_name`).
"""

from __future__ import annotations

import io
import os
import platform
import re
import shlex
import sqlite3
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class Run:
    """What the header says about one run."""

    command_line: str
    started: datetime
    load_start: tuple[float, float, float]
    load_end: tuple[float, float, float]


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo on Linux, else what `platform` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def ram_gib() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def database_version() -> str:
    """The server's own version string, one cheap query (the command has connected anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
    return f"SQLite {sqlite3.sqlite_version}"


def _load(values: tuple[float, float, float]) -> str:
    return " ".join(f"{value:.2f}" for value in values)


def render(name: str, run: Run, tables: str) -> str:
    """The report's Markdown: a header table, then the tables exactly as printed."""
    machine = f"{cpu_model()}, {os.cpu_count()} cores, {ram_gib():.1f} GiB RAM"
    software = f"Python {platform.python_version()}, {database_version()}"
    rows = [
        ("command", f"`{run.command_line}`"),
        ("date (UTC)", run.started.strftime("%Y-%m-%d %H:%M")),
        ("machine", machine),
        ("software", software),
        (
            "load average (1, 5, 15 min)",
            f"{_load(run.load_start)} at start, {_load(run.load_end)} at end",
        ),
    ]
    header = "\n".join(f"| {key} | {value} |" for key, value in rows)
    return (
        f"# {name}\n\n"
        f"Written by the command on each run (`--no-write` skips it); do not edit by hand.\n\n"
        f"| | |\n|---|---|\n{header}\n\n"
        f"```text\n{ANSI.sub('', tables).rstrip()}\n```\n"
    )


def write(directory: Path, name: str, run: Run, tables: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.md"
    path.write_text(render(name, run, tables))
    return path


class Tee(io.TextIOBase):
    """The command's stdout, copied: what the terminal shows is what the report holds."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.copy = io.StringIO()

    def write(self, text: str) -> int:
        self.copy.write(text)
        return self.out.write(text)

    def flush(self) -> None:
        self.out.flush()


class BenchCommand(BaseCommand):
    """A bench command whose printed tables also go to its report (see the module)."""

    argv: list[str] | None = None

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument(
            "--no-write", action="store_true", help="print only; leave docs/benchmarks/ alone"
        )
        return parser

    def run_from_argv(self, argv: list[str]) -> None:
        self.argv = argv
        super().run_from_argv(argv)

    def report_name(self, options: dict[str, Any]) -> str | None:
        """The report's file name for these options; None for a run that writes none, such as
        a run of some rows only (`--only`), which leaves the full table's report alone."""
        return None if options.get("only") else self.__module__.rsplit(".", 1)[-1]

    def execute(self, *args: Any, **options: Any) -> str | None:
        directory = getattr(settings, "BENCH_REPORTS_DIR", None)
        name = self.report_name(options)
        printed_json = options.get("json") or options.get("as_json")
        if directory is None or name is None or options["no_write"] or printed_json:
            return super().execute(*args, **options)
        tee = Tee(options.get("stdout") or sys.stdout)
        started, load_start = datetime.now(UTC), os.getloadavg()
        result = super().execute(*args, **{**options, "stdout": tee})
        run = Run(self._command_line(), started, load_start, os.getloadavg())
        path = write(Path(directory), name, run, tee.copy.getvalue())
        self.stderr.write(f"(written to {path})")
        return result

    def _command_line(self) -> str:
        """As typed (`manage.py ...`), or the command's name when called from Python."""
        if self.argv:
            return shlex.join(["manage.py", *self.argv[1:]])
        return f"call_command({self.__module__.rsplit('.', 1)[-1]!r})"
