"""Writes to the org chart: units, people and reporting lines.

Each write runs in one transaction with its audit entry and its outbox event (the graph projects
these rows) and, after commit, announces whose org-chart facts changed
(`common.events.org_changed`) and which of a person's own fields did (`person_changed`). Rules:
a unit is never below itself, a reporting line never closes a cycle, and a person has one
manager at a time. Only a unit or person nothing refers to
can be deleted (people with history are deactivated instead); a reporting line entered by mistake
can be, and its audit entry keeps it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from common import outbox
from common.actors import Actor
from common.audit import audit_record, snapshot
from common.events import ORG_CHART, PERSON_FACTS, announce, announce_person_change
from common.exceptions import ConflictError, ServiceError
from common.models import AuditEntry
from common.validation import refuse_end_before_start, refuse_while_referenced
from people import selectors
from people.models import OrgUnit, Person, ReportingLine

if TYPE_CHECKING:
    from django.contrib.auth.models import User  # AUTH_USER_MODEL, as django-stubs resolves it

PERSON_FIELDS = frozenset(
    {"given_name", "family_name", "email", "kind", "title", "org_unit", "user", "active"}
)


def _record(actor: Actor, action: str, instance: Any, before: dict[str, Any] | None) -> None:
    """The audit entry and the outbox event every org-chart write leaves behind."""
    audit_record(actor=actor, action=action, instance=instance, before=before)
    outbox.upserted(instance)


def _delete_and_record(actor: Actor, instance: OrgUnit | Person | ReportingLine) -> None:
    """Delete the row with its audit entry (the last state) and its outbox delete event."""
    before, pk = snapshot(instance), instance.pk
    instance.delete()
    audit_record(actor=actor, action=AuditEntry.Action.DELETE, instance=instance, before=before)
    outbox.deleted(instance, pk)


# --- units ------------------------------------------------------------------------------------
@transaction.atomic
def org_unit_create(
    *, actor: Actor, code: str, name: str, parent: OrgUnit | None = None
) -> OrgUnit:
    unit = OrgUnit(code=code, name=name, parent=parent)
    unit.full_clean()
    unit.save()
    _record(actor, AuditEntry.Action.CREATE, unit, None)
    return unit


@transaction.atomic
def org_unit_update(*, actor: Actor, unit: OrgUnit, name: str, parent: OrgUnit | None) -> OrgUnit:
    unit = selectors.org_unit_for_update(unit_id=unit.pk)
    before = snapshot(unit)
    selectors.org_unit_validate_parent(unit=unit, parent=parent)
    unit.name, unit.parent = name, parent
    unit.full_clean()
    unit.save()
    _record(actor, AuditEntry.Action.UPDATE, unit, before)
    announce(selectors.people_in_unit(unit=unit).values_list("pk", flat=True), PERSON_FACTS)
    return unit


@transaction.atomic
def org_unit_delete(*, actor: Actor, unit: OrgUnit) -> None:
    """Refused while sub-units, people, role scopes or courses refer to the unit."""
    unit = selectors.org_unit_for_update(unit_id=unit.pk)
    refuse_while_referenced(unit)
    _delete_and_record(actor, unit)


# --- people -----------------------------------------------------------------------------------
@transaction.atomic
def person_create(
    *,
    actor: Actor,
    given_name: str,
    family_name: str,
    email: str,
    kind: str = Person.Kind.STUDENT,
    title: str = "",
    org_unit: OrgUnit | None = None,
    user: User | None = None,
    active: bool = True,
) -> Person:
    person = Person(
        given_name=given_name,
        family_name=family_name,
        email=email,
        kind=kind,
        title=title,
        org_unit=org_unit,
        user=user,
        active=active,
    )
    person.full_clean()
    person.save()
    _record(actor, AuditEntry.Action.CREATE, person, None)
    return person


@transaction.atomic
def person_update(*, actor: Actor, person: Person, **changes: Any) -> Person:
    unknown = changes.keys() - PERSON_FIELDS
    if unknown:
        raise ServiceError(f"Cannot change {', '.join(sorted(unknown))}.", field=min(unknown))
    person = selectors.person_for_update(person_id=person.pk)
    before = snapshot(person)
    changed = {name for name, value in changes.items() if getattr(person, name) != value}
    for name, value in changes.items():
        setattr(person, name, value)
    person.full_clean()
    person.save()
    _record(actor, AuditEntry.Action.UPDATE, person, before)
    announce(selectors.org_neighbour_ids(person_id=person.pk, at=timezone.now()), PERSON_FACTS)
    announce_person_change({person.pk}, changed)
    return person


@transaction.atomic
def person_delete(*, actor: Actor, person: Person) -> None:
    """Refused while anything refers to the person (reporting lines, roles, delegations,
    enrolments, preferences...): their history stays; set `active=False` instead."""
    person = selectors.person_for_update(person_id=person.pk)
    refuse_while_referenced(person)
    person_id = person.pk
    _delete_and_record(actor, person)
    announce({person_id}, PERSON_FACTS)


# --- reporting lines --------------------------------------------------------------------------
def _close_open_line(actor: Actor, person: Person, start: datetime) -> ReportingLine | None:
    """End the person's open-ended line where the new one starts; it becomes history."""
    current = selectors.open_reporting_line_for_update(person=person)
    if current is None:
        return None
    if current.valid_from >= start:
        raise ConflictError(
            f"{person} already reports to {current.manager} from "
            f"{current.valid_from:%Y-%m-%d %H:%M}; end that line first.",
            field="valid_from",
        )
    before = snapshot(current)
    current.valid_to = start
    current.save(update_fields=["valid_to"])
    _record(actor, AuditEntry.Action.UPDATE, current, before)
    return current


def _refuse_overlap(person: Person, start: datetime, end: datetime | None) -> None:
    if selectors.reporting_lines_overlapping(person=person, start=start, end=end).exists():
        raise ConflictError(
            f"{person} already has a manager during part of that time.", field="valid_from"
        )


@transaction.atomic
def reporting_line_create(
    *,
    actor: Actor,
    person: Person,
    manager: Person,
    valid_from: datetime | None = None,
    valid_to: datetime | None = None,
) -> ReportingLine:
    """`person` reports to `manager` from `valid_from` (now); an open line ends there."""
    start = valid_from or timezone.now()
    selectors.reporting_line_validate(person=person, manager=manager, start=start, end=valid_to)
    before = selectors.org_neighbour_ids(person_id=person.pk, at=timezone.now())
    previous = _close_open_line(actor, person, start) if valid_to is None else None
    _refuse_overlap(person, start, valid_to)
    line = ReportingLine(person=person, manager=manager, valid_from=start, valid_to=valid_to)
    line.full_clean()
    line.save()
    _record(actor, AuditEntry.Action.CREATE, line, None)
    after = selectors.org_neighbour_ids(person_id=person.pk, at=timezone.now())
    old_manager = {previous.manager_id} if previous else set()
    announce(before | after | old_manager, ORG_CHART)
    return line


@transaction.atomic
def reporting_line_end(
    *, actor: Actor, line: ReportingLine, at: datetime | None = None
) -> ReportingLine:
    line = selectors.reporting_line_for_update(line_id=line.pk)
    before = snapshot(line)
    end = at or timezone.now()
    refuse_end_before_start(line.valid_from, end, field="valid_to")
    affected = selectors.org_neighbour_ids(person_id=line.person_id, at=timezone.now())
    line.valid_to = end
    line.full_clean()
    line.save(update_fields=["valid_to"])
    _record(actor, AuditEntry.Action.UPDATE, line, before)
    announce(affected | {line.manager_id}, ORG_CHART)
    return line


@transaction.atomic
def reporting_line_delete(*, actor: Actor, line: ReportingLine) -> None:
    """Remove a line entered by mistake; to end a real one, use `reporting_line_end`."""
    line = selectors.reporting_line_for_update(line_id=line.pk)
    affected = selectors.org_neighbour_ids(person_id=line.person_id, at=timezone.now())
    affected |= {line.person_id, line.manager_id}
    _delete_and_record(actor, line)
    announce(affected, ORG_CHART)
