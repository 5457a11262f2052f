"""Report drift between copies, loans and holds; `--fix` repairs it (`library.drift`)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from library.drift import circulation_drift


class Command(BaseCommand):
    help = (
        "Check that every copy's status agrees with its loans and holds and that hold queues "
        "are numbered 1..n; exit 1 if any drift remains. --fix repairs it, audited."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--fix", action="store_true", help="Repair what is found.")

    def handle(self, *args: Any, fix: bool, **options: Any) -> None:
        drift = circulation_drift()
        for found in drift:
            self.stdout.write(f"{found.kind}: {found.message}")
        if fix and drift:
            for found in drift:
                found.repair(actor=None)
            repaired = len(drift)
            drift = circulation_drift()
            self.stdout.write(f"Ran {repaired} repairs; {len(drift)} findings remain.")
            for found in drift:
                self.stdout.write(f"{found.kind}: {found.message}")
        if drift:
            raise CommandError(f"{len(drift)} findings of drift.")
        self.stdout.write("No drift.")
