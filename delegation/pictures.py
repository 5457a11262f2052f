"""Graphviz pictures of answers: the org chart, a check's proof, delegation chains.

Each picture is DOT text; `render` (`common.graphviz`) turns it into SVG with the `dot` program,
or keeps the DOT alone when graphviz is not installed.
"""

from __future__ import annotations

import shutil  # noqa: F401 (tests replace `shutil.which` to run without graphviz)
from collections.abc import Iterable

from common.graphviz import Picture, org_dot, quote, render
from delegation.graph.base import Chain, Edge
from people.models import Person

__all__ = ["Picture", "chains_dot", "edges_dot", "org_dot", "person_names", "quote", "render"]
EDGE_STYLE = {
    "assignment": 'color="#2b6cb0"',
    "inherits": 'color="#718096", style=dashed',
    "grants": 'color="#2f855a"',
    "delegation": 'color="#c05621", penwidth=1.6',
}


def person_names(node_ids: Iterable[str]) -> dict[str, str]:
    """Labels for `person:<id>` nodes (one query); other nodes are labelled by their name."""
    people = [int(node.split(":", 1)[1]) for node in node_ids if node.startswith("person:")]
    names = {
        f"person:{pk}": f"{given} {family}"
        for pk, given, family in Person.objects.filter(pk__in=people).values_list(
            "pk", "given_name", "family_name"
        )
    }
    return names


def _edge_label(edge: Edge) -> str:
    parts = [edge.kind if edge.id is None else f"{edge.kind} #{edge.id}"]
    if edge.kind == "delegation":
        parts.append(str(edge.detail.get("grant", "")))
        parts.append(
            f"limit {edge.detail.get('max_redelegations')} · w {edge.detail.get('weight')}"
        )
    if edge.valid_from:
        end = f"{edge.valid_to:%Y-%m-%d}" if edge.valid_to else "…"
        parts.append(f"{edge.valid_from:%Y-%m-%d} → {end}")
    return "\\n".join(quote(p)[1:-1] for p in parts)


def edges_dot(edges: list[Edge], title: str) -> str:
    """A left-to-right picture of proof or chain edges."""
    nodes = list(dict.fromkeys([e.source for e in edges] + [e.target for e in edges]))
    names = person_names(nodes)
    lines = [
        "digraph proof {",
        "  rankdir=LR; node [fontname=Helvetica, fontsize=10];",
        "  edge [fontname=Helvetica, fontsize=9];",
        f"  labelloc=t; label={quote(title)};",
    ]
    for node in nodes:
        kind = node.split(":", 1)[0]
        shape = {"person": "box, style=rounded", "role": "ellipse", "permission": "note"}.get(
            kind, "box"
        )
        label = names.get(node, node)
        lines.append(f"  {quote(node)} [label={quote(label)}, shape={shape}];")
    for edge in edges:
        attributes = f'label="{_edge_label(edge)}", {EDGE_STYLE.get(edge.kind, "")}'
        lines.append(f"  {quote(edge.source)} -> {quote(edge.target)} [{attributes}];")
    lines.append("}")
    return "\n".join(lines)


def chains_dot(chains: list[Chain], title: str) -> str:
    edges = list({(e.id, e.source, e.target): e for chain in chains for e in chain.links}.values())
    return edges_dot(edges, title)
