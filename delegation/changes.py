"""Tell the rest of the site, after commit, whose graph facts a write changed."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from django.db import transaction

from common.events import org_changed
from delegation.graph.base import PERSON_FACTS

AUTHORITY = frozenset({"roles", "permissions"})
ORG_CHART = frozenset({"manager_chain", "reports"})


def announce(person_ids: Iterable[int], facts: Collection[str] = PERSON_FACTS) -> None:
    """Send `common.events.org_changed` once the current transaction commits (never if it
    rolls back, so receivers never invalidate for a change that did not happen)."""
    ids, named = set(person_ids), set(facts)
    if ids and named:
        transaction.on_commit(
            lambda: org_changed.send(sender="delegation", person_ids=ids, facts=named)
        )
