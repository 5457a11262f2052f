"""Tables of an HTML page, cell by cell, to check that every row matches its header.

Used by the tests of the lab pages (a row with more cells than headers is a page that misleads)
and usable on any page; the standard library's `html.parser`, no dependency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Table:
    """Each row as its cells' widths (a `colspan` counts as that many); `header` is the first
    row that has a <th>."""

    rows: list[list[int]] = field(default_factory=list)
    header_row: int | None = None

    @property
    def header_width(self) -> int:
        return sum(self.rows[self.header_row]) if self.header_row is not None else 0

    def mismatches(self) -> list[tuple[int, int]]:
        """`(row index, cells)` of each row whose width differs from the header's."""
        width = self.header_width
        return [(index, sum(row)) for index, row in enumerate(self.rows) if sum(row) != width]


class _TableParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[Table] = []
        self._open: list[Table] = []  # nested tables (the toolbar's) each keep their own rows

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._open.append(Table())
        elif not self._open:
            return
        elif tag == "tr":
            self._open[-1].rows.append([])
        elif tag in ("td", "th") and self._open[-1].rows:
            table = self._open[-1]
            span = dict(attrs).get("colspan") or "1"
            table.rows[-1].append(int(span) if span.isdigit() else 1)
            if tag == "th" and table.header_row is None:
                table.header_row = len(table.rows) - 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._open:
            self.tables.append(self._open.pop())


def tables(html: str) -> list[Table]:
    parser = _TableParser()
    parser.feed(html)
    parser.close()
    return parser.tables


def misshapen(html: str) -> list[str]:
    """One line per row, in any table, whose cell count differs from its header's."""
    problems = []
    for number, table in enumerate(tables(html)):
        for row, cells in table.mismatches():
            problems.append(
                f"table {number}: row {row} has {cells} cells, header {table.header_width}"
            )
    return problems
