"""Graphviz pictures: DOT text rendered to inline SVG by the `dot` program, and a tree of rows.

`render` returns the DOT alone when graphviz is not installed (pages then show the DOT itself,
which students can paste into any Graphviz viewer). Used by the org chart page (`people`) and
the delegation explorer (`delegation.pictures`).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass
class Picture:
    dot: str
    svg: str | None


def quote(text: object) -> str:
    """A DOT string literal: labels come from the database, so escape them."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def render(dot: str) -> Picture:
    executable = shutil.which("dot")
    if executable is None:
        return Picture(dot, None)
    try:
        done = subprocess.run(
            [executable, "-Tsvg"], input=dot, capture_output=True, text=True, timeout=10, check=True
        )
    except (subprocess.SubprocessError, OSError):
        logger.warning("graphviz failed; showing DOT instead", exc_info=True)
        return Picture(dot, None)
    svg = done.stdout
    return Picture(dot, svg[svg.find("<svg") :])


def org_dot(rows: list[dict], highlight: int | None, title: str, count: str = "") -> str:
    """People or units top-down; each row has `id`, `name`, and `parent` (None at the top), and
    the number under its name when `count` names the row's key for it ("3 people")."""
    lines = [
        "digraph org {",
        "  rankdir=TB; node [shape=box, style=rounded, fontname=Helvetica, fontsize=10];",
        f"  labelloc=t; label={quote(title)};",
    ]
    for row in rows:
        extra = f"\\n{row[count]} {count}" if count in row else ""
        bold = ', style="rounded,bold"' if row["id"] == highlight else ""
        lines.append(f'  n{row["id"]} [label="{quote(row["name"])[1:-1]}{extra}"{bold}];')
        if row.get("parent") is not None:
            lines.append(f"  n{row['parent']} -> n{row['id']};")
    lines.append("}")
    return "\n".join(lines)
