"""The directory's query planner: one answer about people, from whichever stores hold the parts.

From `fields=` and `expand=` the planner decides what to touch:

| part                                   | store                                | cached  |
|----------------------------------------|--------------------------------------|---------|
| profile columns (`fields`)             | SQL page query, `.only()` of them    | no      |
| `unit`                                 | SQL, joined in the page query        | no      |
| `manager_chain` `roles` `permissions` | graph, one `people_facts` call       | per person |
| `courses`, `teaching`                  | SQL, one query per part per page     | per person |
| `reports`                              | SQL, one query per page              | no      |

The org-chart parts are bounded, so no entry grows with the org: `manager_chain` shows the
nearest CHAIN_DEPTH managers, `reports` the first REPORTS_SHOWN direct reports by name, each as
`{"count", "items", "next"}` where `next` links to the rest (null when `items` is all of it).

`reports` is read from the system of record on every request: a manager's direct reports are one
indexed query (under 0.1 ms of PostgreSQL time), cheaper than the cache round trips that would
save it, and always current. Every cacheable part of a page is read in one `get_many`; all the
misses are loaded together (one graph call, one query per SQL part) and stored in one
`set_many`. A store that fails degrades the answer: the graph down leaves its parts null (cached
values still served), the cache down sends every read to its store; both set `partial`/`warnings`
in the meta. Only the database, the system of record, failing fails the request.

What the caller may see is decided by `school.policies.directory_access`; the planner loads and
caches whole parts and withholds, row by row, what the caller may not see (`meta.hidden`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from common import telemetry
from common.cache.readthrough import Read, Slot, read_slots
from common.db import replica
from common.exceptions import ServiceError
from delegation.graph import get_graph
from people.api import NameKeyset
from people.models import Person
from people.policies import PUBLIC_FIELDS
from school import selectors
from school.caching import PER_PERSON
from school.policies import PUBLIC_PARTS, DirectoryAccess

# Output field -> Person columns it needs.
PROFILE_FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "name": ("given_name", "family_name"),
    "given_name": ("given_name",),
    "family_name": ("family_name",),
    "email": ("email",),
    "kind": ("kind",),
    "title": ("title",),
    "active": ("active",),
    "unit_id": ("org_unit_id",),
}
# Bounds of the org-chart parts: a page of 50 people with every part stays far under 100 KB
# even when it holds the principal (12,027 people below, 10 direct reports) or a head of a
# department (2,600 direct reports on the large seed).
CHAIN_DEPTH = 10
REPORTS_SHOWN = 10

# Paths through the graph (the chain up, what delegations grant) ask the graph; a manager's
# direct reports are one indexed lookup in the system of record.
GRAPH_PARTS = ("manager_chain", "permissions", "roles")
CACHED_SQL_PARTS = ("courses", "teaching")
SQL_PARTS = (*CACHED_SQL_PARTS, "reports")
EXPANSIONS = ("unit", "manager_chain", "permissions", "reports", "roles", "courses", "teaching")


def reports_link(person_id: int, after: tuple[Any, ...] | None = None) -> str:
    """The direct reports of `person_id` (`GET people/{id}/reports/`), resuming after `after`."""
    url = reverse("school-api:person-reports", kwargs={"pk": person_id})
    return NameKeyset().link_after(url, after) if after else url


def chain_link(person_id: int) -> str:
    """The whole manager chain of `person_id` (the delegation app's org question)."""
    return f"{reverse('delegation-api:manager-chain')}?person={person_id}"


def bounded_reports(person_ids: list[int]) -> dict[int, dict[str, Any]]:
    found = selectors.direct_reports_by_manager(manager_ids=person_ids, shown=REPORTS_SHOWN)
    return {
        pid: {
            "count": entry["count"],
            "items": entry["items"],
            "next": reports_link(pid, entry["last"]) if entry["last"] else None,
        }
        for pid, entry in found.items()
    }


def bounded_chain(person_id: int, chain: list[dict[str, Any]]) -> dict[str, Any]:
    deeper = len(chain) > CHAIN_DEPTH
    return {
        "count": len(chain),
        "items": chain[:CHAIN_DEPTH],
        "next": chain_link(person_id) if deeper else None,
    }


PART_OF = {family: part for part, family in PER_PERSON.items()}
SQL_LOADERS: dict[str, Callable[[list[int]], dict[int, Any]]] = {
    "courses": lambda ids: selectors.enrollments_by_student(student_ids=ids),
    "teaching": lambda ids: selectors.teaching_by_teacher(teacher_ids=ids),
}
ORIGIN = {"unit": "db", **dict.fromkeys(GRAPH_PARTS, "graph"), **dict.fromkeys(SQL_PARTS, "db")}
# What the graph answers for each part (`people_facts` values), as the directory shows it.
SHAPE: dict[str, Callable[[int, Any], Any]] = {
    "manager_chain": bounded_chain,
    "permissions": lambda _, value: value,
    "roles": lambda _, value: value,
}


def _names(raw: str | None, allowed: Sequence[str], parameter: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(name.strip() for name in (raw or "").split(",") if name.strip()))
    unknown = [name for name in names if name not in allowed]
    if unknown:
        raise ServiceError(
            f"Unknown {parameter}: {', '.join(unknown)}. Choose from: {', '.join(allowed)}.",
            field=parameter,
        )
    return names


@dataclass(frozen=True)
class Plan:
    """What one directory request needs from each store."""

    fields: tuple[str, ...] = tuple(PROFILE_FIELDS)
    expand: tuple[str, ...] = ()
    use_cache: bool = True

    @classmethod
    def parse(cls, *, fields: str | None, expand: str | None, use_cache: bool = True) -> Plan:
        chosen = _names(fields, tuple(PROFILE_FIELDS), "fields") or tuple(PROFILE_FIELDS)
        fields_with_id = ("id", *(name for name in chosen if name != "id"))
        return cls(fields_with_id, _names(expand, EXPANSIONS, "expand"), use_cache)

    @property
    def columns(self) -> tuple[str, ...]:
        """Person columns the page query selects (`.only()`), no more."""
        return tuple(dict.fromkeys(c for name in self.fields for c in PROFILE_FIELDS[name]))

    @property
    def with_unit(self) -> bool:
        return "unit" in self.expand

    @property
    def graph_facts(self) -> tuple[str, ...]:
        return tuple(part for part in self.expand if part in GRAPH_PARTS)

    @property
    def per_person_parts(self) -> tuple[str, ...]:
        """Parts fetched per person after the page query (and cached when `use_cache`)."""
        return tuple(part for part in self.expand if part in PER_PERSON)

    def stores(self) -> set[str]:
        """Stores this plan touches (the cache only when a part is cacheable)."""
        stores = {"db"} | {ORIGIN[part] for part in self.expand}
        return stores | ({"cache"} if self.use_cache and self.per_person_parts else set())

    def queryset(self) -> QuerySet[Person]:
        return selectors.directory_people(columns=self.columns, with_unit=self.with_unit)


@dataclass
class Answer:
    """Rows of people and the meta saying where each part came from."""

    rows: list[dict[str, Any]]
    meta: dict[str, Any]


@dataclass
class _Loader:
    """Loads missing per-person parts: one graph call and one query per SQL part, at most."""

    at: datetime
    graph_error: str = ""

    def __call__(self, slots: list[Slot]) -> dict[Slot, Any]:
        wanted: dict[str, list[int]] = {}
        for family, person_id in slots:  # the directory's slots are keyed by person id
            wanted.setdefault(PART_OF[family], []).append(cast(int, person_id))
        values: dict[Slot, Any] = {}
        values.update(self._graph(wanted))
        for part in CACHED_SQL_PARTS:
            if part in wanted:
                by_person = SQL_LOADERS[part](wanted[part])
                values.update({(PER_PERSON[part], pid): by_person[pid] for pid in wanted[part]})
        return values

    def _graph(self, wanted: dict[str, list[int]]) -> dict[Slot, Any]:
        facts = [part for part in wanted if part in GRAPH_PARTS]
        if not facts:
            return {}
        person_ids = sorted({pid for fact in facts for pid in wanted[fact]})
        try:
            found = get_graph().people_facts(person_ids, set(facts), self.at)
        except Exception as error:  # noqa: BLE001 - any graph failure degrades, never fails
            self.graph_error = f"{type(error).__name__}: {error}"
            return {}
        return {
            (PER_PERSON[fact], pid): SHAPE[fact](pid, found[pid][fact])
            for fact in facts
            for pid in wanted[fact]
            if pid in found
        }


def _profile(plan: Plan, person: Person) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for name in plan.fields:
        row[name] = person.name if name == "name" else getattr(person, PROFILE_FIELDS[name][0])
    if plan.with_unit:
        unit = person.org_unit
        row["unit"] = unit and {"id": unit.pk, "code": unit.code, "name": unit.name}
    return row


def _read(plan: Plan, person_ids: list[int], loader: _Loader) -> Read:
    slots: list[Slot] = [
        (PER_PERSON[part], pid) for part in plan.per_person_parts for pid in person_ids
    ]
    if plan.use_cache:
        return read_slots(slots, loader)
    read = Read(values=loader(slots))
    read.misses.update(family.name for family, _ in slots)
    return read


def _sources(plan: Plan, read: Read) -> dict[str, str]:
    sources = {"profile": replica.store_name()}  # `replica` when the read replica answered
    for part in plan.expand:
        if part in PER_PERSON:
            source = read.source(PER_PERSON[part])
            sources[part] = source.replace("origin", ORIGIN[part])
        else:
            sources[part] = ORIGIN[part]
    return sources


def _warnings(plan: Plan, read: Read, loader: _Loader, person_ids: list[int]) -> list[str]:
    warnings = []
    if read.error:
        warnings.append(f"cache unavailable ({read.error}); every part was read from its store")
    missing = [
        part
        for part in plan.graph_facts
        if any((PER_PERSON[part], pid) not in read.values for pid in person_ids)
    ]
    if missing:
        reason = loader.graph_error or "no answer"
        warnings.append(f"graph unavailable ({reason}); missing: {', '.join(missing)}")
    return warnings


def _courses_seen(
    courses: list[dict[str, Any]], person: Person, access: DirectoryAccess, hidden: set[str]
) -> list[dict[str, Any]]:
    """The enrolments of `person` that `access` sees, each without its grade unless allowed
    (copies: the cached lists stay whole for the next caller)."""
    seen = []
    for entry in courses:
        if not access.sees_course(person.pk, person.org_unit_id, entry["section_id"]):
            continue
        if access.sees_grade(person.pk, entry["section_id"]):
            seen.append(entry)
        else:
            seen.append({name: value for name, value in entry.items() if name != "grade"})
            hidden.add("courses.grade")
    return seen


def _as_seen(
    row: dict[str, Any], person: Person, access: DirectoryAccess, hidden: set[str]
) -> dict[str, Any]:
    """`row` as `access` may see it: private parts of another's entry dropped (never nulled:
    null means a store was down), courses narrowed to what the caller may see. Courses count
    as hidden whether or not any was withheld: else `hidden` would tell who has enrolments."""
    if not access.sees_private(person.pk, person.org_unit_id):
        private = [name for name in row if name not in PUBLIC_FIELDS | PUBLIC_PARTS]
        for name in private:
            if name != "courses":
                del row[name]
            hidden.add(name)
    if row.get("courses"):
        row["courses"] = _courses_seen(row["courses"], person, access, hidden)
    return row


def resolve(
    plan: Plan,
    people: Sequence[Person],
    *,
    access: DirectoryAccess,
    at: datetime | None = None,
) -> Answer:
    """The rows for a page of `people` (already loaded by `plan.queryset()`) as `access` may
    see them, with the meta (`hidden`: the parts withheld from some row)."""
    person_ids = [person.pk for person in people]
    loader = _Loader(at=at or timezone.now())
    read = _read(plan, person_ids, loader) if plan.per_person_parts else Read()
    reports = bounded_reports(person_ids) if "reports" in plan.expand else {}
    rows = []
    hidden: set[str] = set()
    for person in people:
        row = _profile(plan, person)
        for part in plan.expand:
            if part in PER_PERSON:
                row[part] = read.values.get((PER_PERSON[part], person.pk))
            elif part == "reports":
                row[part] = reports[person.pk]
        rows.append(_as_seen(row, person, access, hidden))
    warnings = _warnings(plan, read, loader, person_ids)
    meta = {
        "partial": bool(warnings),
        "warnings": warnings,
        "hidden": sorted(hidden),
        "sources": _sources(plan, read),
        "cache": {
            "hits": sum(read.hits.values()),
            "stale": sum(read.stale.values()),
            "misses": sum(read.misses.values()),
        },
    }
    return Answer(rows, meta)


@contextmanager
def store_usage() -> Iterator[dict[str, Any]]:
    """Per-store calls and time inside the block, into the dict yielded (filled on exit).

    Inside a request the calls also count towards the request's telemetry (Server-Timing):
    `telemetry.collect()` blocks nest, each seeing every call made inside it.
    """
    usage: dict[str, Any] = {}
    with telemetry.collect() as stats:
        yield usage
    usage.update(stats.summary())
