"""The lab's query count against page size as an inline SVG line chart, drawn on the server.

No JavaScript and nothing fetched at runtime: a few lines and labels, one colour, dash pattern and
marker per strategy. The query axis is logarithmic: the lazy strategy climbs to a hundred queries
and more while the others stay at one to five, which a linear axis draws as one line on the floor.
Every label is escaped (strategy names are code, but the chart takes any text).
"""

from __future__ import annotations

import math

from django.template.defaultfilters import pluralize
from django.utils.html import escape

WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 56, 170, 16, 40
COLOURS = ("#c05621", "#2b6cb0", "#2f855a", "#805ad5", "#b7791f", "#718096")
# Lines that share points stay distinguishable: each strategy has its own dashes and marker.
DASHES = ("", "8 4", "2 3", "10 3 2 3", "4 4", "1 2")
MARKERS = ("circle", "square", "diamond", "triangle", "circle", "square")


def _scale(value: float, top: float, size: float) -> float:
    return size * value / top if top else 0.0


def _log_ticks(top: int) -> list[int]:
    """1, 10, 100... up to the first power of ten at or above `top`."""
    return [10**power for power in range(max(1, math.ceil(math.log10(max(top, 2)))) + 1)]


def _marker(kind: str, x: float, y: float, colour: str, tip: str) -> str:
    title = f"<title>{escape(tip)}</title>"
    if kind == "square":
        corner = f'x="{x - 3:.1f}" y="{y - 3:.1f}"'
        return f'<rect {corner} width="6" height="6" fill="{colour}">{title}</rect>'
    if kind in ("diamond", "triangle"):
        corners = (
            [(x, y - 4), (x + 4, y), (x, y + 4), (x - 4, y)]
            if kind == "diamond"
            else [(x, y - 4), (x + 4, y + 3), (x - 4, y + 3)]
        )
        points = " ".join(f"{px:.1f},{py:.1f}" for px, py in corners)
        return f'<polygon points="{points}" fill="{colour}">{title}</polygon>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">{title}</circle>'


def query_count_svg(points: dict[str, list[tuple[int, int]]]) -> str:
    """A line per strategy through its `(books, queries)` points: linear books from zero,
    logarithmic queries from one."""
    xs = [x for series in points.values() for x, _ in series] or [1]
    ys = [y for series in points.values() for _, y in series] or [1]
    x_top = max(max(xs), 1)
    y_ticks = _log_ticks(max(ys))
    y_top = math.log10(y_ticks[-1])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def at(x: int, y: int) -> tuple[float, float]:
        return (
            LEFT + _scale(x, x_top, plot_w),
            TOP + plot_h - _scale(math.log10(max(y, 1)), y_top, plot_h),
        )

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" font-family="sans-serif" font-size="11">',
        "<title>Queries per page size, by loading strategy</title>",
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" '
        'stroke="#1d2330"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#1d2330"/>',
        f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 6}" text-anchor="middle">books on the page'
        "</text>",
        f'<text x="14" y="{TOP + plot_h / 2}" text-anchor="middle" '
        f'transform="rotate(-90 14 {TOP + plot_h / 2})">queries (log scale)</text>',
    ]
    for tick in sorted({0, x_top // 2, x_top}):
        x = LEFT + _scale(tick, x_top, plot_w)
        parts.append(
            f'<text x="{x:.1f}" y="{TOP + plot_h + 14}" text-anchor="middle">{tick}</text>'
        )
    for tick in y_ticks:
        _, y = at(0, tick)
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" stroke="#e2e8f0"/>'
        )
    for number, (name, series) in enumerate(points.items()):
        colour = COLOURS[number % len(COLOURS)]
        dashes = DASHES[number % len(DASHES)]
        line = " ".join("{:.1f},{:.1f}".format(*at(x, y)) for x, y in series)
        dash = f' stroke-dasharray="{dashes}"' if dashes else ""
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2"{dash} points="{line}"/>'
        )
        parts += [
            _marker(
                MARKERS[number % len(MARKERS)],
                *at(x, y),
                colour,
                f"{name}: {y} quer{pluralize(y, 'y,ies')} for {x} book{pluralize(x)}",
            )
            for x, y in series
        ]
        legend_y = TOP + 14 + 16 * number
        last = series[-1][1] if series else 0
        legend_x = WIDTH - RIGHT + 12
        parts.append(
            f'<line x1="{legend_x}" y1="{legend_y - 4}" x2="{legend_x + 22}" y2="{legend_y - 4}" '
            f'stroke="{colour}" stroke-width="2"{dash}/>'
        )
        parts.append(
            f'<text x="{legend_x + 28}" y="{legend_y}" fill="{colour}">'
            f"{escape(name)} ({last})</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
