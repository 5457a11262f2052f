"""`manage.py seed_demo --size small|large`: deterministic demo data, safe to run again."""

import time
from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Create deterministic demo data for every app (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=["small", "large"], default="small")

    def handle(self, *args: Any, size: str, **options: Any) -> None:
        for step in settings.SEED_DEMO_STEPS:
            self._log(f"{step} ...")
            started = time.monotonic()
            import_module(step).seed(size=size, log=self._log)
            self._log(f"{step}: {time.monotonic() - started:.1f} s")
        if settings.GRAPH_BACKEND == "neo4j":
            # Bulk inserts bypass the outbox, so project the whole system of record at once.
            call_command("graph_rebuild", stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"seed_demo --size {size}: done"))

    def _log(self, line: str) -> None:
        """A line at once, even when stdout is a pipe: progress is only useful as it happens."""
        self.stdout.write(line)
        self.stdout.flush()
