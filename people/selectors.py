"""Reads of people, units and reporting lines, each with its loading strategy spelled out.

The write-time rules of `people.services` walk the org chart here, in the system of record:
the graph (`delegation.graph`) is a projection that may lag, and `people` sits below it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Count, QuerySet

from common.exceptions import NotFoundError, ServiceError
from common.validation import refuse_end_before_start
from people.models import OrgUnit, Person, ReportingLine

# The deepest reporting hierarchy a walk follows: cycles are refused at write time, the bound
# makes a corrupt table terminate anyway.
MAX_ORG_DEPTH = 64
LINE_TABLE = ReportingLine._meta.db_table

# Everyone above (`up`) and below (`down`) a person through the reporting lines valid at %(at)s:
# the people whose manager chain or reports name them.
ORG_NEIGHBOURS = f"""
WITH RECURSIVE
up(person_id, depth) AS (
    SELECT CAST(%(person)s AS BIGINT), 0
    UNION
    SELECT rl.manager_id, up.depth + 1
    FROM up JOIN {LINE_TABLE} rl ON rl.person_id = up.person_id
    WHERE up.depth < %(max_depth)s
      AND rl.valid_from <= %(at)s AND (rl.valid_to IS NULL OR rl.valid_to > %(at)s)
),
down(person_id, depth) AS (
    SELECT CAST(%(person)s AS BIGINT), 0
    UNION
    SELECT rl.person_id, down.depth + 1
    FROM down JOIN {LINE_TABLE} rl ON rl.manager_id = down.person_id
    WHERE down.depth < %(max_depth)s
      AND rl.valid_from <= %(at)s AND (rl.valid_to IS NULL OR rl.valid_to > %(at)s)
)
SELECT person_id FROM up UNION SELECT person_id FROM down"""

# Whether %(target)s is %(start)s or above them through lines overlapping [%(start_at)s, %(end)s):
# adding the line target -> start in that window would close a cycle.
REPORTING_REACH = f"""
WITH RECURSIVE up(person_id, depth) AS (
    SELECT CAST(%(start)s AS BIGINT), 0
    UNION
    SELECT rl.manager_id, up.depth + 1
    FROM up JOIN {LINE_TABLE} rl ON rl.person_id = up.person_id
    WHERE up.depth < %(max_depth)s
      AND (CAST(%(end)s AS TIMESTAMP) IS NULL OR rl.valid_from < %(end)s)
      AND (rl.valid_to IS NULL OR rl.valid_to > %(start_at)s)
)
SELECT COUNT(*) FROM up WHERE person_id = %(target)s"""


def _db_time(at: datetime | None) -> Any:
    return connection.ops.adapt_datetimefield_value(at) if at else None


def _rows(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def person_get(*, person_id: int, field: str = "person") -> Person:
    person = Person.objects.select_related("org_unit").filter(pk=person_id).first()
    if person is None:
        raise NotFoundError(f"No person with id {person_id}.", field=field)
    return person


def person_for_update(*, person_id: int) -> Person:
    """The person, row-locked until the transaction ends."""
    person = Person.objects.select_for_update().filter(pk=person_id).first()
    if person is None:
        raise NotFoundError(f"No person with id {person_id}.", field="person")
    return person


def person_id_of_user(*, user: Any) -> int | None:
    """The id of the person linked to a user account, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Person.objects.filter(user=user).values_list("pk", flat=True).first()


def people_in_unit(*, unit: OrgUnit) -> QuerySet[Person]:
    return Person.objects.filter(org_unit=unit).only(
        "id", "given_name", "family_name", "email", "kind", "title", "org_unit_id"
    )


def org_unit_for_update(*, unit_id: int) -> OrgUnit:
    return OrgUnit.objects.select_for_update().get(pk=unit_id)


def org_unit_list() -> QuerySet[OrgUnit]:
    """Every unit with its head count, in name order (one query)."""
    units = OrgUnit.objects.select_related("parent").annotate(head_count=Count("people"))
    return units.order_by("name", "id")


def org_unit_tree_rows() -> list[tuple[OrgUnit, int]]:
    """Every unit with its depth, each parent followed by its children, by name (one query)."""
    units = list(org_unit_list())
    children: dict[int | None, list[OrgUnit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    rows: list[tuple[OrgUnit, int]] = []
    todo = [(unit, 0) for unit in reversed(children.get(None, []))]
    while todo:
        unit, depth = todo.pop()
        rows.append((unit, depth))
        todo.extend((child, depth + 1) for child in reversed(children.get(unit.pk, [])))
    return rows


def org_unit_get(*, code: str) -> OrgUnit:
    unit = OrgUnit.objects.select_related("parent").filter(code=code).first()
    if unit is None:
        raise NotFoundError(f"No unit {code!r}.", field="unit")
    return unit


def org_unit_descendant_ids(*, unit_id: int) -> set[int]:
    """The unit and every unit below it (one query over the whole, small, unit table)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in OrgUnit.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, todo = set(), [unit_id]
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(children.get(current, []))
    return found


def reporting_line_for_update(*, line_id: int) -> ReportingLine:
    return ReportingLine.objects.select_for_update().get(pk=line_id)


def open_reporting_line_for_update(*, person: Person) -> ReportingLine | None:
    """The person's open-ended reporting line, if any, row-locked until the transaction ends."""
    return (
        ReportingLine.objects.select_for_update()
        .filter(person=person, valid_to__isnull=True)
        .first()
    )


def reporting_lines_overlapping(
    *, person: Person, start: datetime, end: datetime | None
) -> QuerySet[ReportingLine]:
    lines = ReportingLine.objects.filter(person=person).exclude(valid_to__lte=start)
    return lines.filter(valid_from__lt=end) if end is not None else lines


def current_managers(*, person_ids: list[int], at: datetime) -> dict[int, Person]:
    """Each person's manager at `at` (one query)."""
    lines = (
        ReportingLine.objects.filter(person_id__in=person_ids, valid_from__lte=at)
        .exclude(valid_to__lte=at)
        .select_related("manager")
    )
    return {line.person_id: line.manager for line in lines}


def org_neighbour_ids(*, person_id: int, at: datetime) -> set[int]:
    """The person, everyone above them and everyone below them at `at`."""
    params = {"person": person_id, "at": _db_time(at), "max_depth": MAX_ORG_DEPTH}
    return {row[0] for row in _rows(ORG_NEIGHBOURS, params)}


def manages_during(
    *, manager_id: int, person_id: int, start: datetime, end: datetime | None
) -> bool:
    """Whether `person_id` is `manager_id` or above them at some time in [start, end)."""
    params = {
        "start": manager_id,
        "target": person_id,
        "start_at": _db_time(start),
        "end": _db_time(end),
        "max_depth": MAX_ORG_DEPTH,
    }
    return _rows(REPORTING_REACH, params)[0][0] > 0


# --- write-time rules, asked by the services (and the admin's forms, to show errors in place) ---
def org_unit_validate_parent(*, unit: OrgUnit, parent: OrgUnit | None) -> None:
    """Refuse a parent that is the unit itself or inside it."""
    if parent is None or unit.pk is None:
        return
    if parent.pk in org_unit_descendant_ids(unit_id=unit.pk):
        raise ServiceError(
            f"{parent} is {unit} or inside it; a unit cannot sit below itself.",
            field="parent",
            code="cycle",
        )


def reporting_line_validate(
    *, person: Person, manager: Person, start: datetime, end: datetime | None
) -> None:
    """Refuse a line to oneself, or one that would close a cycle at some time in its window."""
    refuse_end_before_start(start, end, field="valid_to")
    if person.pk == manager.pk:
        raise ServiceError("Nobody reports to themselves.", field="manager", code="self")
    if manages_during(manager_id=manager.pk, person_id=person.pk, start=start, end=end):
        raise ServiceError(
            f"{person} manages {manager} (directly or not) during that time; "
            "this line would close a reporting cycle.",
            field="manager",
            code="cycle",
        )
