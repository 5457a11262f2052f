"""`manage.py bench_directory [--json]`: the directory measured in one run.

On the seeded org (`seed_demo --size large`), first the bounded answers side by side: for "50
people, every expansion" and "the principal with expand=reports", the answer's size in KB, cold
and warm p50/p95, and the floor (the same answer as one hand-written SQL statement,
`devtools.bench.directory_floor`), each goal met or missed. Then a page of people with every
expansion, cold (the directory's cache families invalidated before each run) and warm, and with
the cache disabled; store calls at two page sizes (they must not grow); then a replay of
single-person reads with Zipf-distributed ids and a share of writes, each write followed by reads
of the people it affected, compared with a read that bypasses the cache (a stale read is any
difference).

Run with DJANGO_DEBUG=false: DEBUG keeps a log of every query, which costs time.
"""

from __future__ import annotations

import json
import random
import time
from bisect import bisect
from collections.abc import Callable
from dataclasses import replace
from itertools import accumulate
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder

from common import telemetry
from common.cache.counters import counters, difference, hit_ratio
from common.cache.readthrough import invalidate_family
from common.exceptions import ServiceError
from devtools.bench import directory_floor
from devtools.bench.report import BenchCommand
from people import services as people_services
from people.models import Person, ReportingLine
from school import services
from school.caching import PER_PERSON
from school.directory import EXPANSIONS, Answer, Plan, resolve
from school.models import Enrollment, Section
from school.policies import EVERYTHING

EVERY = ",".join(EXPANSIONS)
# The goals for the bounded directory: a page's size, and cold reads against the floor.
MAX_PAGE_KB = 100
MAX_COLD_OVER_FLOOR = 2.0
MAX_WARM_P50_MS = 10.0


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def page(plan: Plan, size: int, offset: int = 0) -> Answer:
    return resolve(plan, list(plan.queryset()[offset : offset + size]), access=EVERYTHING)


def person(plan: Plan, person_id: int) -> Answer:
    return resolve(plan, list(plan.queryset().filter(pk=person_id)), access=EVERYTHING)


def forget_directory() -> None:
    for family in PER_PERSON.values():
        invalidate_family(family)


def nothing() -> None:
    """Nothing to prepare between warm runs."""


def measure(run: Callable[[], Answer], iterations: int, before: Callable[[], None]) -> dict:
    """p50/p95 of `run` and the store calls of its last iteration."""
    samples: list[float] = []
    for _ in range(iterations):
        before()
        with telemetry.collect() as stats:
            started = time.perf_counter()
            answer = run()
            samples.append((time.perf_counter() - started) * 1000)
    return {
        "p50_ms": round(percentile(samples, 0.5), 2),
        "p95_ms": round(percentile(samples, 0.95), 2),
        "db_queries": stats.count("db"),
        "cache_calls": stats.count("cache"),
        "graph_queries": stats.count("graph"),
        "partial": answer.meta["partial"],
    }


def answer_kb(answer: Answer) -> float:
    """The size of the JSON the API sends for `answer` (rows and meta; links aside)."""
    body = {"next": None, "previous": None, "results": answer.rows, "meta": answer.meta}
    return round(len(json.dumps(body, cls=DjangoJSONEncoder).encode()) / 1024, 1)


def floor(sql: str, iterations: int, **params: Any) -> dict[str, float]:
    """p50/p95 of the one-statement answer (`devtools.bench.directory_floor`)."""
    samples = [directory_floor.run(sql, **params)[1] for _ in range(iterations)]
    return {
        "p50_ms": round(percentile(samples, 0.5), 2),
        "p95_ms": round(percentile(samples, 0.95), 2),
    }


def principal() -> int:
    """The top of the org: reports to nobody now, and has the most direct reports."""
    managers = ReportingLine.objects.filter(valid_to__isnull=True)
    top = (
        Person.objects.exclude(pk__in=managers.values("person_id"))
        .filter(pk__in=managers.values("manager_id"))
        .order_by("id")
        .values_list("pk", flat=True)
        .first()
    )
    if top is None:
        raise CommandError("No org chart: seed first (manage.py seed_demo --size large).")
    return top


class Replay:
    """Zipf-distributed single-person reads with a share of writes, checking for stale reads."""

    def __init__(self, plan: Plan, seed: int, exponent: float) -> None:
        self.plan = plan
        self.uncached = replace(plan, use_cache=False)
        self.rng = random.Random(seed)
        self.ids = list(Person.objects.order_by("id").values_list("pk", flat=True))
        self.rng.shuffle(self.ids)  # which people are hot is random, but fixed by the seed
        weights = [1 / (rank + 1) ** exponent for rank in range(len(self.ids))]
        self.cumulative = list(accumulate(weights))
        self.sections = list(Section.objects.order_by("id"))
        self.managers = list(
            ReportingLine.objects.filter(valid_to__isnull=True)
            .values_list("manager_id", flat=True)
            .distinct()
            .order_by("manager_id")
        )
        self.hits = self.misses = self.stale_reads = self.writes = self.refused = 0
        self.counted_from = counters.families()
        self.read_ms: list[float] = []
        self.stale_examples: list[dict[str, Any]] = []
        self.last_write = ""

    def draw(self) -> int:
        return self.ids[bisect(self.cumulative, self.rng.random() * self.cumulative[-1])]

    def read(self, person_id: int, record: bool) -> Answer:
        started = time.perf_counter()
        answer = person(self.plan, person_id)
        if record:
            self.read_ms.append((time.perf_counter() - started) * 1000)
            cache = answer.meta["cache"]
            self.hits += cache["hits"] + cache["stale"]
            self.misses += cache["misses"]
        return answer

    def write(self, person_id: int) -> set[int]:
        """One write about `person_id`; the people whose directory entries it changed."""
        self.writes += 1
        try:
            if self.rng.random() < 0.5:
                self.last_write = "enrolment"
                return self._enrolment(person_id)
            self.last_write = "reporting line"
            return self._reporting_line(person_id)
        except ServiceError:
            self.refused += 1
            return {person_id}

    def _enrolment(self, person_id: int) -> set[int]:
        enrolled = Enrollment.objects.filter(
            student_id=person_id, status=Enrollment.Status.ENROLLED
        ).first()
        if enrolled is not None:
            services.enrollment_drop(actor=None, enrollment=enrolled)
        else:
            section = self.rng.choice(self.sections)
            services.enrollment_create(
                actor=None, student=Person.objects.get(pk=person_id), section=section
            )
        return {person_id}

    def _reporting_line(self, person_id: int) -> set[int]:
        line = ReportingLine.objects.filter(person_id=person_id, valid_to__isnull=True).first()
        manager_id = self.rng.choice(self.managers)
        if line is None or manager_id in (person_id, line.manager_id):
            self.refused += 1
            return {person_id}
        people = Person.objects.in_bulk([person_id, manager_id])
        people_services.reporting_line_create(
            actor=None, person=people[person_id], manager=people[manager_id]
        )
        return {person_id, manager_id, line.manager_id}

    def check(self, person_ids: set[int], kind: str) -> None:
        for person_id in sorted(person_ids):
            [cached] = self.read(person_id, record=True).rows
            [truth] = person(self.uncached, person_id).rows
            stale = sorted(part for part in truth if cached[part] != truth[part])
            if stale:
                self.stale_reads += 1
                self.stale_examples.append({"person": person_id, "write": kind, "parts": stale})

    def run(self, operations: int, write_share: float) -> None:
        for _ in range(operations):
            person_id = self.draw()
            if self.rng.random() < write_share:
                self.check(self.write(person_id), self.last_write)
            else:
                self.read(person_id, record=True)

    def summary(self, operations: int, write_share: float) -> dict[str, Any]:
        families = difference(counters.families(), self.counted_from)
        summary = {
            "operations": operations,
            "write_share": write_share,
            "writes": self.writes,
            "writes_refused": self.refused,
            "hit_ratio": hit_ratio({"hit": self.hits, "miss": self.misses}),
            "stale_reads_after_writes": self.stale_reads,
            "stale_examples": self.stale_examples[:5],
            "read_p50_ms": round(percentile(self.read_ms, 0.5), 2),
            "read_p95_ms": round(percentile(self.read_ms, 0.95), 2),
            "hit_ratio_by_family": {
                name: ratio
                for name, counts in families.items()
                if (ratio := hit_ratio(counts)) is not None  # skips families never read
            },
        }
        self.hits = self.misses = self.stale_reads = self.writes = self.refused = 0
        self.read_ms, self.stale_examples = [], []
        return summary

    def prime(self, page_size: int = 100) -> None:
        """Read the whole directory once, page by page, as a day's traffic would have."""
        for offset in range(0, len(self.ids), page_size):
            page(self.plan, page_size, offset)
        self.counted_from = counters.families()


class Command(BenchCommand):
    help = "Benchmark the people directory: cold vs warm vs no cache, and a Zipf replay."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print JSON instead of a table.")
        parser.add_argument("--page-size", type=int, default=50)
        parser.add_argument("--iterations", type=int, default=20)
        parser.add_argument("--operations", type=int, default=5000)
        parser.add_argument("--writes", type=float, default=0.05, help="Share of writes.")
        parser.add_argument("--zipf", type=float, default=1.1, help="Zipf exponent of the ids.")

    def handle(self, *args: Any, **options: Any) -> None:
        people = Person.objects.count()
        if people < options["page_size"]:
            raise CommandError("Seed first: manage.py seed_demo --size large")
        results = {
            "people": people,
            "page_size": options["page_size"],
            "bounded": self._bounded(options["page_size"], options["iterations"]),
            "page": self._page(options["page_size"], options["iterations"]),
            "replay": self._replay(options),
        }
        results["goals"] = self._goals(results)
        if options["json"]:
            self.stdout.write(json.dumps(results, indent=2))
        else:
            self._table(results)

    def _bounded(self, size: int, iterations: int) -> dict[str, Any]:
        """The goals, side by side: size, cold, warm and the one-statement floor."""
        every = Plan.parse(fields=None, expand=EVERY)
        reports = Plan.parse(fields=None, expand="reports")
        top = principal()
        cases = {
            f"{size} people, every expansion": (
                lambda: page(every, size),
                lambda: floor(directory_floor.every_part_sql(), iterations, size=size),
            ),
            "the principal, expand=reports": (
                lambda: person(reports, top),
                lambda: floor(directory_floor.one_with_reports_sql(), iterations, person=top),
            ),
        }
        results = {}
        for label, (run, one_statement) in cases.items():
            kb = answer_kb(run())  # also warms connections and the database's buffers
            cold = measure(run, iterations, forget_directory)
            warm = measure(run, iterations, nothing)
            results[label] = {"kb": kb, "cold": cold, "warm": warm, "floor": one_statement()}
            results[label]["goals"] = self._bounded_goals(results[label])
        return results

    @staticmethod
    def _bounded_goals(row: dict[str, Any]) -> dict[str, bool]:
        ratio = row["cold"]["p50_ms"] / max(row["floor"]["p50_ms"], 1e-6)
        row["cold_over_floor"] = round(ratio, 2)
        return {
            f"page <= {MAX_PAGE_KB} KB": row["kb"] <= MAX_PAGE_KB,
            f"cold p50 <= {MAX_COLD_OVER_FLOOR:g}x floor": ratio <= MAX_COLD_OVER_FLOOR,
            f"warm p50 <= {MAX_WARM_P50_MS:g} ms": row["warm"]["p50_ms"] <= MAX_WARM_P50_MS,
        }

    def _page(self, size: int, iterations: int) -> dict[str, Any]:
        cached = Plan.parse(fields=None, expand=EVERY)
        uncached = replace(cached, use_cache=False)

        def run(plan: Plan, page_size: int) -> Callable[[], Answer]:
            return lambda: page(plan, page_size)

        page(cached, size)  # connections, pools and the database's own buffers warmed once
        return {
            "cold_10": measure(run(cached, 10), iterations, forget_directory),
            "cold": measure(run(cached, size), iterations, forget_directory),
            "warm_10": measure(run(cached, 10), iterations, nothing),
            "warm": measure(run(cached, size), iterations, nothing),
            "no_cache": measure(run(uncached, size), iterations, nothing),
        }

    def _replay(self, options: dict[str, Any]) -> dict[str, Any]:
        """The same replay twice: from a cold cache, then in steady state (cache primed)."""
        forget_directory()
        plan = Plan.parse(fields="name,email,kind", expand=EVERY)
        replay = Replay(plan, seed=42, exponent=options["zipf"])
        operations, writes = options["operations"], options["writes"]
        replay.run(operations, writes)
        cold = replay.summary(operations, writes)
        replay.prime()
        replay.run(operations, writes)
        return {"from_cold": cold, "steady": replay.summary(operations, writes)}

    def _goals(self, results: dict[str, Any]) -> dict[str, Any]:
        page, replay = results["page"], results["replay"]
        speedup = page["cold"]["p50_ms"] / max(page["warm"]["p50_ms"], 1e-6)
        return {
            "warm_p50_speedup": round(speedup, 1),
            "warm_5x_faster": speedup >= 5,
            "hit_ratio_95": (replay["steady"]["hit_ratio"] or 0) >= 0.95,
            "zero_stale_reads": all(
                run["stale_reads_after_writes"] == 0 for run in replay.values()
            ),
            "constant_store_calls": all(
                page[f"{state}_10"][store] == page[state][store]
                for state in ("cold", "warm")
                for store in ("db_queries", "cache_calls", "graph_queries")
            ),
        }

    def _bounded_table(self, bounded: dict[str, Any]) -> None:
        write = self.stdout.write
        write(
            f"{'bounded answer':<34}{'KB':>7}{'cold p50':>10}{'cold p95':>10}{'warm p50':>10}"
            f"{'warm p95':>10}{'floor p50':>11}{'floor p95':>11}{'cold/floor':>12}"
        )
        for label, row in bounded.items():
            cold, warm, one = row["cold"], row["warm"], row["floor"]
            write(
                f"{label:<34}{row['kb']:>7.1f}{cold['p50_ms']:>10.2f}{cold['p95_ms']:>10.2f}"
                f"{warm['p50_ms']:>10.2f}{warm['p95_ms']:>10.2f}{one['p50_ms']:>11.2f}"
                f"{one['p95_ms']:>11.2f}{row['cold_over_floor']:>12.2f}"
            )
        write(
            "(floor: the same answer as one hand-written SQL statement, "
            "devtools.bench.directory_floor)"
        )
        for label, row in bounded.items():
            verdicts = ", ".join(
                f"{goal}: {'met' if met else 'MISSED'}" for goal, met in row["goals"].items()
            )
            write(f"goals, {label}: {verdicts}")
        write("")

    def _table(self, results: dict[str, Any]) -> None:
        page, replay, goals = results["page"], results["replay"], results["goals"]
        write = self.stdout.write
        write(f"bench_directory: {results['people']} people, expand={EVERY}\n")
        self._bounded_table(results["bounded"])
        header = f"{'page of people':<24}{'db q':>6}{'cache':>7}{'graph q':>9}"
        write(f"{header}{'p50 ms':>10}{'p95 ms':>10}")
        write("(db q counts the SQL graph backend's queries too; graph q is the graph's share)")
        labels = {
            "cold_10": "10, cold",
            "cold": f"{results['page_size']}, cold",
            "warm_10": "10, warm",
            "warm": f"{results['page_size']}, warm",
            "no_cache": f"{results['page_size']}, cache disabled",
        }
        for key, label in labels.items():
            row = page[key]
            write(
                f"{label:<24}{row['db_queries']:>6}{row['cache_calls']:>7}"
                f"{row['graph_queries']:>9}{row['p50_ms']:>10.2f}{row['p95_ms']:>10.2f}"
            )
        write(
            f"\nreplay of single-person reads (every expansion), Zipf ids, "
            f"{self._share(replay)} writes, each followed by a check of whom it changed"
        )
        write(
            f"{'cache state':<24}{'ops':>6}{'writes':>8}{'hit ratio':>11}{'stale':>7}"
            f"{'p50 ms':>10}{'p95 ms':>10}"
        )
        for label, key in (("from cold", "from_cold"), ("steady (primed)", "steady")):
            run = replay[key]
            write(
                f"{label:<24}{run['operations']:>6}{run['writes']:>8}{run['hit_ratio']:>11.2%}"
                f"{run['stale_reads_after_writes']:>7}{run['read_p50_ms']:>10.2f}"
                f"{run['read_p95_ms']:>10.2f}"
            )
        by_family = replay["steady"]["hit_ratio_by_family"]
        write(
            "steady hit ratio per family: "
            + ", ".join(f"{name.split('.')[-1]} {ratio:.1%}" for name, ratio in by_family.items())
        )
        write(
            f"\ngoals: warm p50 {goals['warm_p50_speedup']}x faster than cold "
            f"(>=5x: {goals['warm_5x_faster']}), hit ratio >=95%: {goals['hit_ratio_95']}, "
            f"zero stale reads: {goals['zero_stale_reads']}, "
            f"store calls constant in page size: {goals['constant_store_calls']}"
        )

    @staticmethod
    def _share(replay: dict[str, Any]) -> str:
        return f"{replay['steady']['write_share']:.0%}"
