"""`manage.py graph_verify [--fix]`: report cycles, and drift and orphans in the Neo4j graph.

Always: reporting-line cycles now and role inheritance cycles in SQL (services refuse both;
a hand-edited table may still hold them), and pending outbox events. With Neo4j, per element
kind: a hash of each element's properties and ends, computed the same way from SQL rows and
from the graph (`delegation.graph.verify`), giving the elements missing, extra and different;
nodes and edges lacking a property their class declares required; placeholder nodes no SQL row
backs (orphans); cycles in the graph. `--fix` re-projects what is missing or different through
the projector (each at its current position, never below the graph's), deletes extras and
orphans. Pending events count as drift until the worker applies them: verify a drained graph.
It exits non-zero whenever it reports a problem, `--fix` included (run it again to confirm).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from common import outbox
from common.models import OutboxEvent
from delegation import selectors
from delegation.graph import verify
from delegation.graph.sql import SqlGraphBackend
from delegation.management.commands._graph import neo4j_backend
from delegation.models import RoleInheritance


class Command(BaseCommand):
    help = "Report cycles, drift between SQL and Neo4j, and orphans; --fix repairs the graph."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fix", action="store_true", help="repair the Neo4j graph")

    def handle(self, *args: Any, fix: bool, **options: Any) -> None:
        problems = self.sql_problems()
        if settings.GRAPH_BACKEND == "neo4j":
            problems += self.graph_problems(fix)
        pending = OutboxEvent.objects.filter(processed_at__isnull=True).count()
        self.stdout.write(f"outbox: {pending} pending events")
        if problems:
            raise CommandError(f"graph_verify: {problems} problem(s)")
        self.stdout.write(self.style.SUCCESS("graph_verify: ok"))

    def report(self, label: str, items: list) -> int:
        self.stdout.write(f"{label}: {len(items)}" + (f" {items[:10]}" if items else ""))
        return len(items)

    def sql_problems(self) -> int:
        reporting = SqlGraphBackend().reporting_cycles(timezone.now())
        edges = list(RoleInheritance.objects.values_list("role_id", "parent_id"))
        # A role is on a cycle when it is among the ancestors of its own parents.
        looping = sorted(
            {
                role
                for role, _ in edges
                if role in selectors.role_ancestors([p for r, p in edges if r == role], edges)
            }
        )
        return self.report("sql reporting cycles", reporting) + self.report(
            "sql inheritance cycles", looping
        )

    def graph_problems(self, fix: bool) -> int:
        graph = neo4j_backend()
        problems = 0
        for model, spec in outbox.ELEMENTS.items():
            element = spec.name
            in_graph, positions = verify.graph_hashes(graph.verified_rows(element), element)
            drift = verify.compare(verify.sql_hashes(element), in_graph, positions)
            problems += self.report(f"{element} missing", drift.missing)
            problems += self.report(f"{element} extra", drift.extra)
            problems += self.report(f"{element} different", drift.different)
            repair = drift.missing + drift.different
            if fix and repair:
                instances = model._default_manager.filter(pk__in=repair)
                graph.upsert(element, instances, floor=drift.positions)
            if fix and drift.extra:
                graph.delete(element, drift.extra)
        lacking = graph.missing_required()
        problems += self.report(
            "graph required properties missing",
            [f"{name} {key}: {prop}" for _, name, prop, key in lacking],
        )
        if fix:  # a lost `pos` hashes alike, so these are re-projected on their own account
            for element, keys in graph.elements_of(lacking).items():
                graph.upsert(element, outbox.model_of(element)._default_manager.filter(pk__in=keys))
        orphans = graph.orphans()
        problems += self.report("graph orphans", orphans)
        if fix:
            for row in orphans:
                graph.delete(graph.element_of_label(row["label"]), [row["id"]])
        cycles = graph.cycles(timezone.now())
        problems += self.report("graph reporting cycles", cycles["reporting"])
        problems += self.report("graph inheritance cycles", cycles["inheritance"])
        return problems
