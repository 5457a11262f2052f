"""Domain signals that cross app boundaries, sent by services after their transaction commits."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from django.db import transaction
from django.dispatch import Signal

# The graph facts a directory entry can show about a person, each cached on its own.
PERSON_FACTS = frozenset({"manager_chain", "reports", "roles", "permissions"})
# Which of them a kind of write changes.
AUTHORITY = frozenset({"roles", "permissions"})
ORG_CHART = frozenset({"manager_chain", "reports"})

# Sent after a committed write changed the org chart or what people may do (reporting lines,
# units, roles, assignments, delegations). Arguments: `person_ids: set[int]` whose graph facts
# may have changed, and `facts: set[str]` naming which (a subset of PERSON_FACTS).
# Receivers (the directory cache) invalidate exactly those entries.
org_changed = Signal()

# Sent after a committed write changed a person's own fields. Arguments: `person_ids: set[int]`
# and `fields: set[str]`, the names of the `Person` fields that changed. Receivers (the course
# list's cache, which shows teachers' names) invalidate only what shows those fields.
person_changed = Signal()


def announce(person_ids: Iterable[int], facts: Collection[str] = PERSON_FACTS) -> None:
    """Send `org_changed` once the current transaction commits (never if it rolls back, so
    receivers never invalidate for a change that did not happen)."""
    ids, named = set(person_ids), set(facts)
    if ids and named:
        transaction.on_commit(
            lambda: org_changed.send(sender="services", person_ids=ids, facts=named)
        )


def announce_person_change(person_ids: Iterable[int], fields: Collection[str]) -> None:
    """Send `person_changed` once the current transaction commits (never if it rolls back)."""
    ids, changed = set(person_ids), set(fields)
    if ids and changed:
        transaction.on_commit(
            lambda: person_changed.send(sender="services", person_ids=ids, fields=changed)
        )
