"""`manage.py bench_delegation [--json]`: the graph's latency on the current database.

Run it on a large seed (`seed_demo --size large`, in a database of its own). Everything is
measured in one run, side by side:
1. check on the SQL backend (decision only, and with its proof), the same checks by the naive
   Python walk, and who-can first pages;
2. both backends, SQL and Neo4j (the configured graph, NEO4J_BOLT_URL; the column is skipped,
   saying so, without one), Neo4j rebuilt from the seed first (timed): check, who-can page 1
   and a deep page, holdings, paths, p50 / p95, before and after adding `--expired` lapsed
   delegations; and the graph worker's drain rate for `--drain-events` outbox events. What it
   writes (the expired rows, the events) is rolled back at the end, and deleted from the graph.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.management.base import CommandParser
from django.db import connection, transaction

from delegation.graph import get_graph
from delegation.graph.base import GraphBackend
from delegation.graph.sql import SqlGraphBackend
from delegation.models import Delegation, Permission
from delegation.seed import BASE
from devtools.bench.delegation import Timing, naive_check, timed_ms
from devtools.bench.delegation_backends import (
    MEASURES,
    Cell,
    draw_workload,
    expired_delegations,
    measure,
    queue_upserts,
)
from devtools.bench.report import BenchCommand
from people.models import Person

if TYPE_CHECKING:  # the driver is imported only when the graph is Neo4j
    from delegation.graph.neo4j import Neo4jGraphBackend

NEO4J = "Neo4j"


class Command(BenchCommand):
    help = "Measure check (SQL vs naive) and who-can latency on this database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print JSON instead of a table"
        )
        parser.add_argument("--checks", type=int, default=400, help="checks per measure")
        parser.add_argument("--naive", type=int, default=60, help="checks for the naive walk")
        parser.add_argument(
            "--samples", type=int, default=200, help="checks per backend and phase (fewer pages)"
        )
        parser.add_argument(
            "--expired", type=int, default=150_000, help="lapsed delegations added, then removed"
        )
        parser.add_argument(
            "--drain-events", type=int, default=5000, help="outbox events the drain applies"
        )
        parser.add_argument(
            "--no-neo4j", action="store_false", dest="neo4j", help="SQL backend only"
        )

    def handle(
        self,
        *args: Any,
        as_json: bool,
        checks: int,
        naive: int,
        samples: int,
        expired: int,
        drain_events: int,
        neo4j: bool,
        **options: Any,
    ) -> None:
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
            "load": " ".join(f"{load:.2f}" for load in os.getloadavg()),
        }
        if not as_json:
            self.stdout.write(", ".join(f"{key}: {value}" for key, value in context.items()))
            self.stdout.write(render_table(rows))
        progress = (lambda _line: None) if as_json else self.stdout.write
        backends = compare_backends(
            progress, samples=samples, expired=expired, drain_events=drain_events, neo4j=neo4j
        )
        if as_json:
            report = {"context": context, "results": rows, "backends": backends}
            self.stdout.write(json.dumps(report, indent=2))
            return
        self.stdout.write(render_comparison(backends))


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


def compare_backends(
    out: Callable[[str], None], *, samples: int, expired: int, drain_events: int, neo4j: bool
) -> dict[str, Any]:
    """Both backends, before and after `expired` lapsed delegations, and the drain's rate; in
    one transaction rolled back at the end, so the database is left as it was, and the graph
    too (the expired delegations are deleted from it again)."""
    rng = random.Random(11)
    report: dict[str, Any] = {"columns": [], "rows": {}, "rebuild": None, "drain": None}
    backends: dict[str, GraphBackend] = {"SQL": SqlGraphBackend()}
    cypher = _configured_neo4j(out) if neo4j else None
    added: list[int] = []
    cells: dict[tuple[str, str], dict[str, Cell]] = {}
    with transaction.atomic():
        if cypher is not None:
            report["rebuild"] = _rebuild(cypher, out)
            backends[NEO4J] = cypher
        work = draw_workload(rng, BASE, samples)
        for name, graph in backends.items():
            cells[(name, "before")] = measure(graph, work, BASE)
        if cypher is not None and drain_events:  # the seed's own rows, before any are added
            report["drain"] = _drain_rate(cypher, drain_events)
        started = time.perf_counter()
        for batch in expired_delegations(rng, BASE, expired):
            added += [delegation.pk for delegation in batch]
            if cypher is not None:
                cypher.upsert("delegation", batch)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"ANALYZE {Delegation._meta.db_table}")
        out(f"added {expired:,} expired delegations in {time.perf_counter() - started:.1f} s")
        for name, graph in backends.items():
            cells[(name, f"+{expired:,} expired")] = measure(graph, work, BASE)
        transaction.set_rollback(True)
    if cypher is not None:
        cypher.delete("delegation", added)
    report["columns"] = [f"{name}, {phase}" for name, phase in cells]
    report["rows"] = {
        measure_name: [cells[key][measure_name].text() for key in cells]
        for measure_name in MEASURES
    }
    return report


def _configured_neo4j(out: Callable[[str], None]) -> Neo4jGraphBackend | None:
    if settings.GRAPH_BACKEND != "neo4j":
        out(f"{NEO4J}: skipped (NEO4J_BOLT_URL is not set)")
        return None
    return cast("Neo4jGraphBackend", get_graph())


def _rebuild(cypher: Neo4jGraphBackend, out: Callable[[str], None]) -> dict[str, float]:
    """A full rebuild of the graph from the seed, timed (constraints installed first)."""
    cypher.install_constraints()
    started = time.perf_counter()
    cypher.rebuild()
    seconds = time.perf_counter() - started
    out(f"Neo4j graph rebuilt from the seed in {seconds:.1f} s")
    return {"seconds": round(seconds, 1)}


def _drain_rate(cypher: Neo4jGraphBackend, events: int) -> dict[str, Any]:
    """The worker's drain over `events` queued outbox events: how many it applied per second."""
    pending = queue_upserts(events)
    started = time.perf_counter()
    applied = cypher.sync()
    seconds = time.perf_counter() - started
    return {
        "events": applied,
        "pending_before": pending,
        "seconds": round(seconds, 3),
        "events_per_s": round(applied / seconds, 1) if seconds else None,
    }


def render_comparison(report: dict[str, Any]) -> str:
    rows = [
        {"measure (p50 / p95 ms)": name, **dict(zip(report["columns"], cells, strict=True))}
        for name, cells in report["rows"].items()
    ]
    table = render_table(rows)
    drain = report["drain"]
    if drain:
        table += (
            f"\ngraph worker drain on Neo4j: {drain['events']} outbox events in "
            f"{drain['seconds']} s = {drain['events_per_s']} events/s"
        )
    if report["rebuild"]:
        table += f"\ngraph_rebuild of the whole seed on Neo4j: {report['rebuild']['seconds']} s"
    return table
