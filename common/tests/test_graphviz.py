"""The org chart's DOT text: a node per row, an edge to each parent, a count where asked."""

from __future__ import annotations

from common.graphviz import org_dot

ROWS = [
    {"id": 1, "name": "School", "parent": None, "people": 3},
    {"id": 2, "name": "Science", "parent": 1, "people": 2},
]


def test_a_count_is_shown_under_the_name_when_asked() -> None:
    dot = org_dot(ROWS, highlight=2, title="units", count="people")
    assert 'n1 [label="School\\n3 people"];' in dot
    assert 'n2 [label="Science\\n2 people", style="rounded,bold"];' in dot
    assert "n1 -> n2;" in dot


def test_no_count_without_its_key() -> None:
    dot = org_dot(ROWS, highlight=None, title="units")
    assert 'n1 [label="School"];' in dot
