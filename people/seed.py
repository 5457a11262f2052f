"""Demo organisation: a reporting tree, the units its upper levels head, and the lines between.

The tree is generated from branching factors: `small` is a school of 58 people in 13 units,
`large` has 12,028 people, 8 levels of managers below the principal, in 40 units. Every person
is a node of the tree at a position (`0.2.1`), which makes the email (the natural key); its name
comes from its number (`demo_name`). Deterministic (no randomness) and idempotent (bulk inserts
that skip what exists).
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction

from common.seed import analyze
from people.models import OrgUnit, Person, ReportingLine

# Children per manager at each level: the product, summed, is the head count.
BRANCHING = {"small": [3, 3, 5], "large": [3, 3, 3, 3, 3, 3, 3, 4]}
# People at levels above this head a unit of their own; deeper people join their ancestor's.
UNIT_LEVELS = {"small": 3, "large": 4}
UNIT_NAMES = ["Science", "Humanities", "Administration", "Arts", "Sports"]
# Coprime lengths (24, 25): person n is GIVEN[n % 24] FAMILY[n % 25], so the first 600 people
# have 600 different names and neighbours differ in both; each further 600 add a middle initial.
GIVEN = [
    "Ada", "Ben", "Chen", "Dora", "Emil", "Fatima", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lea",
    "Mateo", "Nadia", "Omar", "Priya", "Rosa", "Sami", "Tomas", "Uma", "Vera", "Wen", "Yara", "Zoe",
]  # fmt: skip
FAMILY = [
    "Ngata", "Okafor", "Petrov", "Quinn", "Rossi", "Sato", "Tanaka", "Umar", "Varga", "Weiss",
    "Abbott", "Becker", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito",
    "Jensen", "Kowalski", "Lindqvist", "Moreau", "Novak", "Osei",
]  # fmt: skip
INITIALS = string.ascii_uppercase
LINES_FROM = datetime(2020, 1, 1, tzinfo=UTC)
BATCH = 5000


@dataclass(frozen=True)
class Node:
    path: str  # "0" is the principal; "0.2" their third report, and so on
    level: int
    number: int

    @property
    def parent(self) -> str | None:
        return self.path.rsplit(".", 1)[0] if "." in self.path else None

    @property
    def email(self) -> str:
        return f"p{self.path}@campus.example"

    def unit_path(self, unit_levels: int) -> str:
        return ".".join(self.path.split(".")[:unit_levels])


def org_tree(size: str) -> Iterator[Node]:
    """Every person of the demo org, parents before children (breadth first)."""
    level_nodes = ["0"]
    number = 0
    yield Node("0", 0, number)
    for level, children in enumerate(BRANCHING[size], start=1):
        next_level = []
        for parent in level_nodes:
            for child in range(children):
                number += 1
                path = f"{parent}.{child}"
                next_level.append(path)
                yield Node(path, level, number)
        level_nodes = next_level


def unit_code(path: str) -> str:
    return "school" if path == "0" else "unit-" + path.replace(".", "-")


def unit_name(path: str) -> str:
    if path == "0":
        return "Campus School"
    parts = [int(part) for part in path.split(".")[1:]]
    words = [UNIT_NAMES[parts[0] % len(UNIT_NAMES)], *(chr(65 + p) for p in parts[1:])]
    return " ".join(words)


def demo_name(number: int) -> tuple[str, str]:
    """Given and family name of demo person `number`, unique for every number below
    `len(GIVEN) * len(FAMILY) * (len(INITIALS) + 1)`."""
    given = GIVEN[number % len(GIVEN)]
    family = FAMILY[number % len(FAMILY)]
    cycle = number // (len(GIVEN) * len(FAMILY))
    if cycle > len(INITIALS):
        raise ValueError(f"no unique demo name left for person {number}")
    if cycle:
        given = f"{given} {INITIALS[cycle - 1]}."
    return given, family


def _seed_units(nodes: list[Node], unit_levels: int) -> dict[str, int]:
    heads = [node for node in nodes if node.level < unit_levels]
    OrgUnit.objects.bulk_create(
        [OrgUnit(code=unit_code(node.path), name=unit_name(node.path)) for node in heads],
        ignore_conflicts=True,
    )
    ids = dict(
        OrgUnit.objects.filter(code__in=[unit_code(n.path) for n in heads]).values_list(
            "code", "id"
        )
    )
    units = {node.path: ids[unit_code(node.path)] for node in heads}
    children = [
        OrgUnit(pk=units[node.path], parent_id=units[node.parent])
        for node in heads
        if node.parent is not None
    ]
    OrgUnit.objects.bulk_update(children, ["parent"], batch_size=BATCH)
    return units


def _person(node: Node, unit_id: int) -> Person:
    given, family = demo_name(node.number)
    if node.level < 3:
        kind, title = Person.Kind.STAFF, "Principal" if node.level == 0 else "Head"
    else:
        kind, title = Person.Kind.TEACHER if node.level < 5 else Person.Kind.STUDENT, ""
    return Person(
        given_name=given,
        family_name=family,
        email=node.email,
        kind=kind,
        title=title,
        org_unit_id=unit_id,
    )


def person_ids(nodes: list[Node]) -> dict[str, int]:
    """Tree path -> person id, for the seeds that build on this org."""
    by_email: dict[str, int] = {}
    emails = [node.email for node in nodes]
    for start in range(0, len(emails), BATCH):
        chunk = emails[start : start + BATCH]
        by_email.update(Person.objects.filter(email__in=chunk).values_list("email", "id"))
    return {node.path: by_email[node.email] for node in nodes}


@transaction.atomic
def seed(*, size: str, log: Callable[[str], None]) -> None:
    nodes = list(org_tree(size))
    unit_levels = UNIT_LEVELS[size]
    units = _seed_units(nodes, unit_levels)
    Person.objects.bulk_create(
        [_person(node, units[node.unit_path(unit_levels)]) for node in nodes],
        ignore_conflicts=True,
        batch_size=BATCH,
    )
    ids = person_ids(nodes)
    lines = [
        ReportingLine(person_id=ids[node.path], manager_id=ids[node.parent], valid_from=LINES_FROM)
        for node in nodes
        if node.parent is not None
    ]
    # The one-open-line-per-person constraint makes a rerun skip every existing line.
    ReportingLine.objects.bulk_create(lines, ignore_conflicts=True, batch_size=BATCH)
    analyze(OrgUnit, Person, ReportingLine)
    depth = max(node.level for node in nodes)
    log(f"people: {len(units)} units, {len(nodes)} people in the reporting tree (depth {depth})")
