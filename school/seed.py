"""Demo organisation: a unit tree, people in it and reporting lines to each unit's head.

Deterministic (fixed names, no randomness) and idempotent (natural keys: unit code, email).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import cycle, islice

from django.db import transaction

from school.models import OrgUnit, Person, ReportingLine

UNITS = {
    "school": ("Campus School", None),
    "science": ("Science", "school"),
    "humanities": ("Humanities", "school"),
    "arts": ("Arts", "school"),
    "administration": ("Administration", "school"),
    "library": ("Library", "administration"),
    "it": ("IT Services", "administration"),
}
GIVEN = ["Ada", "Ben", "Chen", "Dora", "Emil", "Fatima", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lea"]
FAMILY = ["Ngata", "Okafor", "Petrov", "Quinn", "Rossi", "Sato", "Tanaka", "Umar", "Varga", "Weiss"]
PEOPLE_PER_SIZE = {"small": 60, "large": 600}


def _seed_units() -> dict[str, OrgUnit]:
    units: dict[str, OrgUnit] = {}
    for code, (name, parent) in UNITS.items():
        units[code], _ = OrgUnit.objects.update_or_create(
            code=code, defaults={"name": name, "parent": units.get(parent)}
        )
    return units


def _person_rows(count: int, units: list[OrgUnit]) -> list[Person]:
    names = islice(((g, f) for f in FAMILY for g in GIVEN), count)
    unit_cycle = cycle(units)
    rows = []
    for number, (given, family) in enumerate(names):
        unit = next(unit_cycle)
        kind = Person.Kind.STAFF if number < len(units) else Person.Kind.STUDENT
        rows.append(
            Person(
                given_name=given,
                family_name=family,
                email=f"{given}.{family}.{number}@campus.example".lower(),
                kind=kind,
                org_unit=unit,
            )
        )
    return rows


def _seed_reporting_lines(units: dict[str, OrgUnit]) -> None:
    """The first person of each unit heads it and reports to the head of the parent unit."""
    heads = {
        unit.code: Person.objects.filter(org_unit=unit).order_by("id").first()
        for unit in units.values()
    }
    lines = []
    for unit in units.values():
        head = heads[unit.code]
        boss = heads[unit.parent.code] if unit.parent else None
        if boss and head:
            lines.append(ReportingLine(person=head, manager=boss))
        members = Person.objects.filter(org_unit=unit).exclude(pk=head.pk) if head else []
        lines.extend(ReportingLine(person=member, manager=head) for member in members)
    ReportingLine.objects.bulk_create(lines, ignore_conflicts=True)


@transaction.atomic
def seed(*, size: str, log: Callable[[str], None]) -> None:
    units = _seed_units()
    Person.objects.bulk_create(
        _person_rows(PEOPLE_PER_SIZE[size], list(units.values())), ignore_conflicts=True
    )
    _seed_reporting_lines(units)
    log(f"school: {OrgUnit.objects.count()} units, {Person.objects.count()} people")
