"""`manage.py bench_delegation [--json]`: check and who-can latency on the current database.

Run it on a large seed (`seed_demo --size large`, in a database of its own). Everything is
measured in one run, side by side: check on the SQL backend (decision only, and with its
proof), the same checks by the naive Python walk, and who-can first pages.
"""

from __future__ import annotations

import json
import random
from functools import partial
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from delegation.bench import Timing, naive_check, timed_ms
from delegation.graph.sql import SqlGraphBackend
from delegation.models import Delegation, Permission
from delegation.seed import BASE
from people.models import Person


class Command(BaseCommand):
    help = "Measure check (SQL vs naive) and who-can latency on this database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print JSON instead of a table"
        )
        parser.add_argument("--checks", type=int, default=400, help="checks per measure")
        parser.add_argument("--naive", type=int, default=60, help="checks for the naive walk")

    def handle(self, *args: Any, as_json: bool, checks: int, naive: int, **options: Any) -> None:
        graph = SqlGraphBackend()
        rng = random.Random(7)
        people = list(Person.objects.values_list("pk", flat=True))
        codenames = list(Permission.objects.values_list("codename", flat=True))
        pairs = [(rng.choice(people), rng.choice(codenames)) for _ in range(checks)]
        for person_id, codename in pairs[:20]:  # warm the connection and the caches
            graph.check(person_id, codename, BASE, explain=False)

        decisions = [timed_ms(partial(graph.check, p, c, BASE, explain=False)) for p, c in pairs]
        proofs = [timed_ms(partial(graph.check, p, c, BASE)) for p, c in pairs]
        baseline = [timed_ms(partial(naive_check, p, c, BASE)) for p, c in pairs[:naive]]
        disagree = sum(
            naive_answer != decision.allowed
            for (_, naive_answer), (_, decision) in zip(baseline, decisions, strict=False)
        )
        allowed = sum(result.allowed for _, result in decisions)
        who_can = [timed_ms(partial(graph.who_can, c, BASE, limit=50)) for c in codenames * 3]

        rows = [
            Timing(
                "check, SQL backend (decision)",
                [ms for ms, _ in decisions],
                f"{allowed}/{checks} allowed",
            ).row(),
            Timing("check, SQL backend (with proof)", [ms for ms, _ in proofs]).row(),
            Timing(
                "check, naive Python walk", [ms for ms, _ in baseline], f"{disagree} disagreements"
            ).row(),
            Timing("who-can, first page of 50", [ms for ms, _ in who_can]).row(),
        ]
        context = {
            "database": connection.vendor,
            "people": len(people),
            "delegations": Delegation.objects.count(),
            "at": BASE.isoformat(),
        }
        if as_json:
            self.stdout.write(json.dumps({"context": context, "results": rows}, indent=2))
            return
        self.stdout.write(", ".join(f"{key}: {value}" for key, value in context.items()))
        self.stdout.write(render_table(rows))


def render_table(rows: list[dict[str, Any]]) -> str:
    headers = list(rows[0])
    widths = [max(len(str(h)), *(len(str(row[h])) for row in rows)) for h in headers]
    line = "| " + " | ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = [
        "| " + " | ".join(str(row[h]).ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
        for row in rows
    ]
    return "\n".join([line, rule, *body])
