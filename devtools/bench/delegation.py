"""What `bench_delegation` measures: the SQL backend against a naive walk in Python.

The naive baseline is what one writes first: load the assignments, delegations and role graph
valid at T into Python, then walk backwards from the person. Its answers must match the SQL
backend's; the benchmark counts disagreements so a fast wrong answer cannot hide.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from django.db.models import Q

from delegation.graph.base import MAX_CHAIN
from delegation.models import (
    Delegation,
    Permission,
    RoleAssignment,
    RoleInheritance,
    RolePermission,
)

Grant = tuple[str, int]


def _role_cover() -> dict[Grant, set[Grant]]:
    """Grant -> every grant it includes (itself, inherited roles, their permissions)."""
    parents: dict[int, list[int]] = defaultdict(list)
    for role_id, parent_id in RoleInheritance.objects.values_list("role_id", "parent_id"):
        parents[role_id].append(parent_id)
    grants: dict[int, list[int]] = defaultdict(list)
    for role_id, permission_id in RolePermission.objects.values_list("role_id", "permission_id"):
        grants[role_id].append(permission_id)
    cover: dict[Grant, set[Grant]] = defaultdict(set)
    for role_id in set(parents) | set(grants) | {p for ps in parents.values() for p in ps}:
        todo, seen = [role_id], set()
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(parents[current])
        cover[("r", role_id)] = {("r", r) for r in seen} | {
            ("p", p) for r in seen for p in grants[r]
        }
    return cover


def naive_check(person_id: int, codename: str, at: datetime) -> bool:
    """Load every edge valid at `at`, then breadth-first backwards from the person."""
    permission_id = Permission.objects.get(codename=codename).pk
    cover = _role_cover()

    def covers(grant: Grant, need: Grant) -> bool:
        return grant == need or need in cover.get(grant, ())

    assigned: dict[int, list[Grant]] = defaultdict(list)
    for pid, role_id in RoleAssignment.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=at), valid_from__lte=at
    ).values_list("person_id", "role_id"):
        assigned[pid].append(("r", role_id))
    incoming: dict[int, list[tuple]] = defaultdict(list)
    for row in Delegation.objects.filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=at),
        Q(revoked_at__isnull=True) | Q(revoked_at__gt=at),
        valid_from__lte=at,
    ).values_list("delegator_id", "delegatee_id", "role_id", "permission_id", "max_redelegations"):
        incoming[row[1]].append(row)

    queue = deque([(person_id, ("p", permission_id), 0, frozenset([person_id]))])
    while queue:
        pid, need, depth, path = queue.popleft()
        if any(covers(grant, need) for grant in assigned[pid]):
            return True
        if depth >= MAX_CHAIN:
            continue
        for delegator, _, role_id, perm_id, limit in incoming[pid]:
            grant = ("r", role_id) if role_id else ("p", perm_id)
            if limit >= depth and delegator not in path and covers(grant, need):
                queue.append((delegator, grant, depth + 1, path | {delegator}))
    return False


@dataclass
class Timing:
    name: str
    samples: list[float]
    note: str = ""

    def row(self) -> dict[str, object]:
        ordered = sorted(self.samples)

        def pct(p: float) -> float:
            return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 3)

        return {
            "measure": self.name,
            "n": len(ordered),
            "p50_ms": pct(0.50),
            "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
            "mean_ms": round(statistics.fmean(ordered), 3),
            "note": self.note,
        }


_Result = TypeVar("_Result")


def timed_ms(call: Callable[[], _Result]) -> tuple[float, _Result]:
    started = time.perf_counter()
    value = call()
    return (time.perf_counter() - started) * 1000, value
