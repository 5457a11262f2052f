"""What `bench_delegation` measures: both graph backends side by side on one seed.

The same workload (random checks, who-can first and deep pages, holdings, delegation paths) is
timed on the SQL backend and on Neo4j, before and after 150,000 expired delegations are added.
Everything it writes happens inside one transaction that the command rolls back, so the seed is
left as it was.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import connection

from common import outbox
from delegation.graph.base import GraphBackend
from delegation.models import Delegation, Permission
from devtools.bench.delegation import Timing, timed_ms
from people.models import Person

EXPIRED_BATCH = 5000


@dataclass
class Workload:
    """The questions asked, drawn once so that every backend and phase answers the same."""

    checks: list[tuple[int, str]]
    first_pages: list[str]
    deep_pages: list[tuple[str, int]]
    holdings: list[int]
    paths: list[tuple[int, int]]


def draw_workload(rng: random.Random, at: datetime, samples: int) -> Workload:
    people = sorted(Person.objects.values_list("pk", flat=True))
    codenames = sorted(Permission.objects.values_list("codename", flat=True))
    deep_after = people[int(len(people) * 0.9)]  # a cursor 90% of the way through the ids
    return Workload(
        checks=[(rng.choice(people), rng.choice(codenames)) for _ in range(samples)],
        first_pages=[codenames[i % len(codenames)] for i in range(max(samples // 4, 1))],
        deep_pages=[
            (codenames[i % len(codenames)], deep_after) for i in range(max(samples // 4, 1))
        ],
        holdings=[rng.choice(people) for _ in range(max(samples // 2, 1))],
        paths=chained_pairs(rng, at, max(samples // 4, 1)),
    )


def chained_pairs(rng: random.Random, at: datetime, count: int) -> list[tuple[int, int]]:
    """(source, target) pairs two valid links apart, so that paths has something to find."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT a.delegator_id, b.delegatee_id FROM {Delegation._meta.db_table} a
            JOIN {Delegation._meta.db_table} b ON b.delegator_id = a.delegatee_id
            WHERE a.valid_from <= %s AND b.valid_from <= %s AND a.delegator_id <> b.delegatee_id
            ORDER BY a.id, b.id LIMIT 2000""",
            [at, at],
        )
        pairs = [(int(s), int(t)) for s, t in cursor.fetchall()]
    return rng.sample(pairs, min(count, len(pairs)))


@dataclass
class Cell:
    samples: list[float] = field(default_factory=list)

    def text(self) -> str:
        if not self.samples:
            return "-"
        row = Timing("", self.samples).row()
        return f"{row['p50_ms']} / {row['p95_ms']}"


MEASURES = ("check (decision)", "who_can page 1", "who_can deep page", "holdings", "paths")


def measure(graph: GraphBackend, work: Workload, at: datetime) -> dict[str, Cell]:
    calls: dict[str, list[Callable[[], Any]]] = {
        "check (decision)": [partial(graph.check, p, c, at, explain=False) for p, c in work.checks],
        "who_can page 1": [partial(graph.who_can, c, at, limit=50) for c in work.first_pages],
        "who_can deep page": [
            partial(graph.who_can, c, at, after=a, limit=50) for c, a in work.deep_pages
        ],
        "holdings": [partial(graph.holdings, [p], at) for p in work.holdings],
        "paths": [partial(graph.paths, s, t, at, k=3) for s, t in work.paths],
    }
    cells: dict[str, Cell] = {}
    for name, runs in calls.items():
        cell = cells[name] = Cell()
        # Every question once unrecorded: plans, caches and, on Neo4j, the JVM's compiled code
        # warmed, so the samples are the steady state (three were not enough for Neo4j).
        for run in runs:
            run()
        cell.samples = [timed_ms(run)[0] for run in runs]
    return cells


def expired_delegations(rng: random.Random, at: datetime, count: int) -> Iterator[list[Delegation]]:
    """`count` delegations that lapsed before `at` (expired, some revoked), in batches, between
    random people and lending random permissions: history that no question at `at` needs."""
    people = list(Person.objects.values_list("pk", flat=True))
    permissions = list(Permission.objects.values_list("pk", flat=True))
    made = 0
    while made < count:
        batch = []
        for _ in range(min(EXPIRED_BATCH, count - made)):
            delegator, delegatee = rng.sample(people, 2)
            start = at - timedelta(days=rng.uniform(31, 700))
            end = start + timedelta(days=rng.uniform(1, 30))
            batch.append(
                Delegation(
                    delegator_id=delegator,
                    delegatee_id=delegatee,
                    permission_id=rng.choice(permissions),
                    valid_from=start,
                    expires_at=end,
                    revoked_at=start + (end - start) / 2 if rng.random() < 0.1 else None,
                    weight=rng.randint(1, 10),
                    max_redelegations=rng.randint(0, 3),
                    reason="bench:expired",
                )
            )
        made += len(batch)
        yield Delegation.objects.bulk_create(batch)


def queue_upserts(count: int) -> int:
    """`count` outbox events re-stating existing delegations (what a drain applies); returns
    how many events are pending in all."""
    for delegation in Delegation.objects.order_by("pk")[:count]:
        outbox.upserted(delegation)
    from common.models import OutboxEvent

    return OutboxEvent.objects.filter(processed_at__isnull=True).count()
