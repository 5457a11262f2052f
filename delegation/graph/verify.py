"""Verification of the Cypher graph against SQL: a hash per element, computed the same way
from a SQL row and from the graph element (`graph_verify`).

For each element kind, `cypher_sync.VERIFIED_FIELDS` names what the projection writes: the
properties its upsert sets and the element's ends, under the outbox payload's names. From SQL
they come through the projector's own translation (`projector.graph_row`: epoch microseconds, the
person's display name, the delegation's grant key); from the graph through `cypher_sync.VERIFY`.
Both become one canonical JSON text (sorted keys), hashed: equal hashes mean an element the
projection would not change. A person's unit and a unit's parent are lists, so a graph holding
two shows as different, not as equal to one of them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from common import outbox
from delegation.graph import projector
from delegation.graph.neo4j.cypher_sync import LIST_FIELDS, VERIFIED_FIELDS


def digest(element: str, properties: dict[str, Any]) -> str:
    """The hash of an element's verified properties (the same function for both sides)."""
    picked = {name: properties.get(name) for name in VERIFIED_FIELDS[element]}
    listed = LIST_FIELDS.get(element)
    if listed is not None:
        picked[listed] = sorted(picked[listed] or [])
    text = json.dumps(picked, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def sql_properties(element: str, instance: models.Model) -> dict[str, Any]:
    """What the projection would write for `instance`, through the projector's translation."""
    row = projector.graph_row(element, outbox.state(instance), 0)
    listed = LIST_FIELDS.get(element)
    if listed is not None:
        row[listed] = [] if row.get(listed) is None else [row[listed]]
    return row


def sql_hashes(element: str, chunk: int = 2000) -> dict[int, str]:
    model = outbox.model_of(element)
    return {
        instance.pk: digest(element, sql_properties(element, instance))
        for instance in model._default_manager.order_by("pk").iterator(chunk)
    }


def graph_hashes(rows: Iterable[dict[str, Any]], element: str) -> tuple[dict[int, str], dict]:
    """`{id: hash}` and `{id: pos}` of the graph's rows for `element` (`cypher_sync.VERIFY`)."""
    hashes: dict[int, str] = {}
    positions: dict[int, int] = {}
    for row in rows:
        hashes[row["id"]] = digest(element, row)
        positions[row["id"]] = row.get("pos") or 0
    return hashes, positions


@dataclass
class Drift:
    """How one element kind differs: ids SQL has and the graph lacks, ids only the graph has,
    ids whose properties or ends differ, and the graph's positions of those it holds."""

    missing: list[int] = field(default_factory=list)
    extra: list[int] = field(default_factory=list)
    different: list[int] = field(default_factory=list)
    positions: dict[int, int] = field(default_factory=dict)


def compare(in_sql: dict[int, str], in_graph: dict[int, str], positions: dict) -> Drift:
    return Drift(
        missing=sorted(in_sql.keys() - in_graph.keys()),
        extra=sorted(in_graph.keys() - in_sql.keys()),
        different=sorted(
            key for key in in_sql.keys() & in_graph.keys() if in_sql[key] != in_graph[key]
        ),
        positions=positions,
    )
